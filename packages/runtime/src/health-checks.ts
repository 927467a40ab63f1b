import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumerLag, EventBus } from './events.ts';
import type { LlmClient } from './llm.ts';
import { HealthCheckError, type HealthCheck, type ReadinessChecks } from './use-health.ts';

/** Events waiting in a service's outbox beyond which it reports itself degraded: the relay or the bus is stuck. */
export const OUTBOX_BACKLOG_THRESHOLD = 10_000;
/** Events a consumer group has not handled beyond which the service reports itself degraded. */
export const CONSUMER_LAG_THRESHOLD = 1_000;

/** The outbox's backlog, in `backlog`; degraded above `threshold`. */
export function outboxCheck(outbox: { backlog(): Promise<number> }, threshold = OUTBOX_BACKLOG_THRESHOLD): HealthCheck {
  return async () => {
    const backlog = await outbox.backlog();
    return {
      details: { backlog, threshold },
      ...(backlog > threshold ? { degraded: `${backlog} events wait in the outbox, more than ${threshold}` } : {}),
    };
  };
}

/**
 * The lag of each consumer group this service runs, in `lags` by event type and group; degraded
 * when one is above `threshold`. The in-process bus is shared by the services hosted in one
 * process: each reports its own group (named after it).
 */
export function consumersCheck(bus: Pick<EventBus, 'kind' | 'consumerLag'>, service: string, threshold = CONSUMER_LAG_THRESHOLD): HealthCheck {
  return async () => {
    const lags: ConsumerLag[] = (await bus.consumerLag()).filter((lag) => bus.kind === 'redis' || lag.group === service);
    const behind = lags.filter((lag) => lag.lag > threshold);
    return {
      details: { threshold, lags: lags.map(({ eventType, group, lag }) => ({ eventType, group, lag })) },
      ...(behind.length ? { degraded: `consumers behind by more than ${threshold} events: ${behind.map((lag) => `${lag.eventType}/${lag.group} (${lag.lag})`).join(', ')}` } : {}),
    };
  };
}

/**
 * The LLM endpoint answers (its model list, cached by the client for a few seconds); degraded
 * while the client's circuit breaker is open, when judgments fall back on their rules.
 */
export function llmCheck(llm: Pick<LlmClient, 'model' | 'ping' | 'breakerState'>): HealthCheck {
  return async () => {
    const details = () => ({ model: llm.model, breaker: llm.breakerState() });
    try {
      await llm.ping();
    } catch (error) {
      throw new HealthCheckError(error instanceof Error ? error.message : String(error), details());
    }
    return { details: details(), ...(llm.breakerState() === 'open' ? { degraded: 'the LLM circuit breaker is open: calls fail fast and fall back' } : {}) };
  };
}

function failureCode(error: unknown): string {
  let current = error;
  while (current instanceof Error && current.cause instanceof Error) current = current.cause;
  const code = (current as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  if (current instanceof Error && current.name === 'TimeoutError') return 'timed out';
  return current instanceof Error ? current.message : String(current);
}

/**
 * A subgraph behind the gateway answers its liveness route. The report names the subgraph but
 * not its address: the gateway's /health is reachable from outside.
 */
export function subgraphCheck(name: string, routingUrl: string, timeoutMs = 2_000): HealthCheck {
  const live = new URL('/health/live', routingUrl);
  live.username = '';
  live.password = '';
  return async () => {
    let response: Response;
    try {
      response = await fetch(live, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new HealthCheckError(`subgraph ${name} is unreachable: ${failureCode(error)}`, { subgraph: name });
    }
    await response.body?.cancel();
    if (!response.ok) throw new HealthCheckError(`subgraph ${name} answered HTTP ${response.status}`, { subgraph: name });
    return { details: { subgraph: name } };
  };
}

/**
 * A subgraph's checks: the database is required; Redis, the outbox backlog and consumer lag are
 * degradable (the LLM, where there is one, is added by `createSubgraphYoga`).
 */
export function subgraphChecks(sources: {
  service: string;
  database: { ping(): Promise<void> };
  bus: EventBus;
  outbox?: { backlog(): Promise<number> };
}): { readiness: ReadinessChecks; degradable: ReadinessChecks } {
  const { bus, outbox } = sources;
  return {
    readiness: { database: () => sources.database.ping() },
    degradable: {
      ...(bus.kind === 'redis' ? { redis: () => bus.ping() } : {}),
      ...(outbox ? { outbox: outboxCheck(outbox) } : {}),
      consumers: consumersCheck(bus, sources.service),
    },
  };
}

/** The version in the nearest package.json at or above `from` (a file or folder path, or a file URL). */
export function packageVersion(from: string | URL): string {
  let dir = typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from);
  for (;;) {
    try {
      const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown };
      if (typeof version === 'string') return version;
    } catch {
      // No package.json here (or no version in it): look further up.
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
