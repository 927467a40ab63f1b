/** The live channel bi's read models announce changes on; its topic is the tenant. */
export const METRICS_CHANGED = 'bi.metrics';
