import type { EventBus } from '@judgify/runtime/events';
import { ingestActionExecuted, ingestFeedbackRecorded, ingestJudgmentsCompleted, type IngestDeps } from './domain/metrics/ingest.ts';

/** The consumer group this service reads every stream with. */
export const CONSUMER_GROUP = 'bi';

/**
 * The read models behind judgmentMetrics and judgmentStats. Background work with no user
 * behind it: each handler writes only bi's tables, in the event's tenant, once per eventId.
 */
export function subscribeToEvents(bus: EventBus, deps: IngestDeps): void {
  // The busiest stream: a read's worth of judgments goes into the buckets in one transaction.
  bus.subscribeBatch('judgment.completed', CONSUMER_GROUP, (events) => ingestJudgmentsCompleted(deps, events));
  bus.subscribe('feedback.recorded', CONSUMER_GROUP, (event) => ingestFeedbackRecorded(deps, event));
  bus.subscribe('action.executed', CONSUMER_GROUP, (event) => ingestActionExecuted(deps, event));
}
