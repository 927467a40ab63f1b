import type { EventBus } from '@judgify/runtime/events';
import { recordExecutionEvent, type SampleDeps } from './domain/samples.ts';

/** The consumer group this service reads every stream with. */
export const CONSUMER_GROUP = 'learning';

/**
 * What this service listens to. Background work with no user behind it: the handler writes only
 * this service's tables, in the tenant of the event it handles, once per eventId.
 */
export function subscribeToEvents(bus: EventBus, deps: SampleDeps): void {
  bus.subscribe('judgment.completed', CONSUMER_GROUP, (event) => recordExecutionEvent(deps, event));
}
