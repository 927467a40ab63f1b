import type { EventBus } from '@judgify/runtime/events';
import { ingestActionExecuted, ingestFeedbackRecorded, ingestJudgmentCompleted, type IngestDeps } from './domain/metrics/ingest.ts';

/** The consumer group this service reads every stream with. */
export const CONSUMER_GROUP = 'bi';

/**
 * The read models behind judgmentMetrics and judgmentStats. Background work with no user
 * behind it: each handler writes only bi's tables, in the event's tenant, once per eventId.
 */
export function subscribeToEvents(bus: EventBus, deps: IngestDeps): void {
  bus.subscribe('judgment.completed', CONSUMER_GROUP, (event) => ingestJudgmentCompleted(deps, event));
  bus.subscribe('feedback.recorded', CONSUMER_GROUP, (event) => ingestFeedbackRecorded(deps, event));
  bus.subscribe('action.executed', CONSUMER_GROUP, (event) => ingestActionExecuted(deps, event));
}
