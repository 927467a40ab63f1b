import type { Registry } from 'prom-client';
import type { EventBus } from './events.ts';
import type { Logger } from './logger.ts';
import { Gauge, scrapedGauge } from './metrics.ts';
import { outageLog } from './redis.ts';

export interface ServiceMetricsSources {
  service: string;
  logger: Logger;
  database?: { activeConnections(): number };
  /** The service's outbox, when it publishes events. */
  outbox?: { backlog(): Promise<number> };
  bus?: EventBus;
  /** How long a reading that cost a query is reused (default 5 s). */
  readEveryMs?: number;
}

/**
 * What a service holds and what waits on it, read when scraped: `database_connections_active`,
 * `outbox_backlog` (when it has an outbox) and `event_consumer_lag{event_type, group}` (for the
 * streams it consumes). Reads that cost a query are made at most every few seconds and never
 * fail a scrape.
 */
export function registerServiceMetrics(registry: Registry, sources: ServiceMetricsSources): void {
  const { database, outbox, bus, logger } = sources;
  if (database) {
    new Gauge({
      name: 'database_connections_active',
      help: 'Database connections in use (checked out of the pool) by this process',
      registers: [registry],
      collect() {
        this.set(database.activeConnections());
      },
    });
  }
  if (outbox) {
    const reading = outageLog(logger, 'reading the outbox backlog for /metrics', 'the metric keeps its last value');
    scrapedGauge({
      name: 'outbox_backlog',
      maxAgeMs: sources.readEveryMs,
      help: 'Events written to the outbox and not yet published to the bus (counted up to 100000)',
      registry,
      read: async () => {
        const value = await outbox.backlog();
        reading.succeeded();
        return [{ value }];
      },
      onError: (error) => reading.failed(error),
    });
  }
  if (bus) {
    const reading = outageLog(logger, 'reading consumer lag for /metrics', 'the metric keeps its last values');
    scrapedGauge({
      name: 'event_consumer_lag',
      maxAgeMs: sources.readEveryMs,
      help: 'Events of a stream its consumer group has not handled yet (unread plus unacknowledged), by event type and group',
      labelNames: ['event_type', 'group'],
      registry,
      read: async () => {
        const lags = await bus.consumerLag();
        reading.succeeded();
        return (
          lags
            // The in-process bus is one per process, shared by the services hosted in it: each reports its own group (named after it).
            .filter((lag) => bus.kind === 'redis' || lag.group === sources.service)
            .map((lag) => ({ labels: { event_type: lag.eventType, group: lag.group }, value: lag.lag }))
        );
      },
      onError: (error) => reading.failed(error),
    });
  }
}
