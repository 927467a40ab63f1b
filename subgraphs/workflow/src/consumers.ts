import type { EventBus } from '@judgify/runtime/events';
import type { PartnerEventType } from './db/schema.ts';
import { planRunsForEvent, planRunsForJudgment, type ActionRunDeps } from './domain/action-runs.ts';

/** The consumer group this service reads every stream with. */
export const CONSUMER_GROUP = 'workflow';

/**
 * Events from elsewhere partners may also subscribe to. action.executed is this service's own:
 * its partner deliveries are made in the transaction that emits it (workers/action-delivery.ts).
 */
const PARTNER_ONLY_EVENTS: PartnerEventType[] = ['feedback.recorded', 'rule.promoted'];

/**
 * What this service listens to. Background work with no user behind it: each handler acts only
 * on this service's tables, in the tenant of the event it handles, once per eventId.
 */
export function subscribeToEvents(bus: EventBus, deps: ActionRunDeps): void {
  bus.subscribe('judgment.completed', CONSUMER_GROUP, (event) => planRunsForJudgment(deps, event));
  for (const type of PARTNER_ONLY_EVENTS) bus.subscribe(type, CONSUMER_GROUP, (event) => planRunsForEvent(deps, event));
}
