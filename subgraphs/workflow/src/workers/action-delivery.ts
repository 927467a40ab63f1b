import type { Database } from '@judgify/runtime/database';
import { createEvent } from '@judgify/runtime/events';
import type { Logger } from '@judgify/runtime/logger';
import { Counter, Gauge, Histogram } from '@judgify/runtime/metrics';
import { enqueueEvents, type OutboxTable } from '@judgify/runtime/outbox';
import type { SharedBreakers } from '@judgify/runtime/shared-breakers';
import { WorkLoop } from '@judgify/runtime/work-loop';
import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import type { Registry } from 'prom-client';
import * as tables from '../db/schema.ts';
import { actionAttempts, actionRuns, actionTargets, eventSubscriptions, type ActionRunRow } from '../db/schema.ts';
import { sendDelivery, type DeliveryAnswer } from '../delivery/http-sender.ts';
import { signedHeaders } from '../delivery/signed-headers.ts';
import { inThisTrace, subscriptionRuns } from '../domain/action-runs.ts';
import { judgeAttempt, retryDelayMs, type Verdict } from '../domain/delivery-policy.ts';
import { inSpan, SpanKind } from '@judgify/runtime/tracing';

export interface DeliverySettings {
  /** Deliveries in flight at once in this process (ACTION_CONCURRENCY, 10). */
  concurrency: number;
  /** One attempt's budget (ACTION_TIMEOUT_MS, 10 s). */
  timeoutMs: number;
  /** When each attempt is made (ACTION_RETRY_SCHEDULE); its length is the most attempts a run gets. */
  delaysMs: readonly number[];
  /** Bytes of an answer read at most. */
  maxResponseBytes: number;
  allowPrivateTargets: boolean;
  /** How often the queue is looked at when nothing woke the worker. */
  pollMs: number;
}

export function deliveryMetrics(registry: Registry) {
  return {
    deliveries: new Counter({
      name: 'action_deliveries_total',
      help: 'Delivery attempts by kind (webhook, notification, log) and result (succeeded, retry, failed, deferred by an open breaker)',
      labelNames: ['kind', 'result'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'action_delivery_duration_seconds',
      help: 'Time of one delivery attempt, by kind',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    pending: new Gauge({ name: 'action_runs_pending', help: 'Action runs waiting for an attempt or being delivered, in this deployment', registers: [registry] }),
    breakers: new Gauge({ name: 'action_target_breaker_state', help: 'Circuit breaker of each target and subscription: 0 closed, 1 half-open, 2 open', labelNames: ['target'], registers: [registry] }),
  };
}

interface Destination {
  url: string | null;
  headers: Record<string, string>;
  secret: string | null;
  /** The circuit breaker this delivery is guarded by. */
  breakerKey: string;
  /** Names it in the breaker gauge. */
  label: string;
  contentType: string;
}

export interface ActionDeliveryOptions {
  db: Database<typeof tables>;
  outbox: OutboxTable;
  eventsCommitted(): void;
  breakers: SharedBreakers;
  settings: DeliverySettings;
  logger: Logger;
  metrics: ReturnType<typeof deliveryMetrics>;
}

const rowsOf = (result: unknown) => (result as { rows: Array<Record<string, unknown>> }).rows;

/** A claimed run is its replica's for one attempt and a margin; after that, another may take it (the first died). */
const LEASE_MARGIN_MS = 30_000;
const BREAKER_GAUGE = { closed: 0, 'half-open': 1, open: 2 } as const;

/**
 * Delivers action runs from the queue in PostgreSQL (the run rows): each replica claims due runs
 * with `FOR UPDATE SKIP LOCKED`, so no run goes out from two at once, and a crash loses nothing —
 * a claim expires and the run is taken again. Every attempt is recorded; the verdict decides
 * success, a retry on the schedule (or when Retry-After says), or a permanent failure. A target's
 * open breaker makes its runs wait, without spending an attempt.
 */
export class ActionDeliveryWorker {
  private readonly loop = new WorkLoop(() => this.step());
  private readonly inFlight = new Set<Promise<void>>();
  private lastGauge = 0;
  /** Targets and subscriptions read in the last second: a busy target is one query a second, not one a delivery. */
  private readonly destinations = new LRUCache<string, { value: Destination | string }>({ max: 10_000, ttl: 1_000 });

  constructor(private readonly options: ActionDeliveryOptions) {}

  start(): void {
    this.loop.start();
  }

  kick(): void {
    this.loop.kick();
  }

  async stop(): Promise<void> {
    await this.loop.stop();
    await Promise.allSettled([...this.inFlight]);
  }

  /** Claims as many runs as there is room for and starts delivering them; at once again when it filled the room. */
  private async step(): Promise<number> {
    const { concurrency } = this.options.settings;
    const free = concurrency - this.inFlight.size;
    let claimed: ActionRunRow[] = [];
    try {
      // Under load, claimed in batches (half the limit at a time) rather than a query per finished delivery.
      if (free > 0 && (free >= Math.ceil(concurrency / 2) || this.inFlight.size === 0)) claimed = await this.claim(free);
      await this.reportPending();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'action queue could not be read; retrying');
    }
    for (const run of claimed) {
      const delivery: Promise<void> = inSpan(`action ${run.kind} deliver`, { kind: SpanKind.CLIENT, traceparent: run.traceparent ?? undefined, attributes: { 'judgify.action_run.id': run.id } }, () => this.deliver(run))
        .catch((error: unknown) => this.options.logger.error({ err: error, runId: run.id }, 'action delivery failed unexpectedly; the run is taken again when its claim expires'))
        .finally(() => {
          this.inFlight.delete(delivery);
          this.kick();
        });
      this.inFlight.add(delivery);
    }
    return claimed.length > 0 && claimed.length === free ? 0 : this.options.settings.pollMs;
  }

  private async claim(limit: number): Promise<ActionRunRow[]> {
    const { db } = this.options;
    const lease = new Date(Date.now() + this.options.settings.timeoutMs + LEASE_MARGIN_MS);
    const due = sql`select ${actionRuns.id} from ${actionRuns}
      where (${actionRuns.status} = 'PENDING' and ${actionRuns.nextAttemptAt} <= now())
         or (${actionRuns.status} = 'DELIVERING' and ${actionRuns.lockedUntil} < now())
      order by ${actionRuns.nextAttemptAt} limit ${limit} for update skip locked`;
    const claimed = rowsOf(
      await db.execute(sql`update ${actionRuns} set status = 'DELIVERING', locked_until = ${lease}, updated_at = now() where ${actionRuns.id} in (${due}) returning id`),
    ).map((row) => String(row.id));
    return claimed.length ? db.select().from(actionRuns).where(inArray(actionRuns.id, claimed)) : [];
  }

  private async reportPending(): Promise<void> {
    if (Date.now() - this.lastGauge < 5_000) return;
    this.lastGauge = Date.now();
    const [row] = rowsOf(await this.options.db.execute(sql`select count(*)::int as n from ${actionRuns} where status in ('PENDING', 'DELIVERING')`));
    this.options.metrics.pending.set(Number(row?.n ?? 0));
  }

  private async destinationOf(run: ActionRunRow): Promise<Destination | string> {
    const key = run.subscriptionId ?? run.targetId;
    if (!key) return this.readDestination(run);
    const held = this.destinations.get(key);
    if (held) return held.value;
    const value = await this.readDestination(run);
    this.destinations.set(key, { value });
    return value;
  }

  /** Where a run goes now: its target's or subscription's current settings, or the node's inline URL. */
  private async readDestination(run: ActionRunRow): Promise<Destination | string> {
    const { db } = this.options;
    if (run.subscriptionId) {
      const [subscription] = await db.select().from(eventSubscriptions).where(and(eq(eventSubscriptions.id, run.subscriptionId), isNull(eventSubscriptions.deletedAt)));
      if (!subscription) return 'the event subscription was deleted';
      return { url: subscription.url, headers: subscription.headers, secret: subscription.secret, breakerKey: `subscription:${subscription.id}`, label: `subscription:${subscription.name}`, contentType: 'application/cloudevents+json' };
    }
    if (run.targetId) {
      const [target] = await db.select().from(actionTargets).where(and(eq(actionTargets.id, run.targetId), isNull(actionTargets.deletedAt)));
      if (!target) return 'the action target was deleted';
      return { url: target.url, headers: target.headers, secret: target.secret, breakerKey: `target:${target.id}`, label: target.name, contentType: 'application/json' };
    }
    const origin = run.url ? new URL(run.url).origin : 'none';
    return { url: run.url, headers: {}, secret: null, breakerKey: `url:${origin}`, label: origin, contentType: 'application/json' };
  }

  private async deliver(run: ActionRunRow): Promise<void> {
    const { settings, breakers, metrics, logger } = this.options;
    const destination = await this.destinationOf(run);
    if (typeof destination === 'string') return this.record(run, { durationMs: 0, error: destination }, { outcome: 'permanent', reason: destination });
    if (run.kind === 'log') {
      logger.info({ runId: run.id, executionId: run.executionId, nodeId: run.nodeId, payload: run.payload }, 'action (log)');
      return this.record(run, { durationMs: 0 }, { outcome: 'succeeded' });
    }
    const admission = await breakers.admit(destination.breakerKey);
    if (!admission.allowed) {
      metrics.deliveries.inc({ kind: run.kind, result: 'deferred' });
      await this.options.db
        .update(actionRuns)
        .set({ status: 'PENDING', nextAttemptAt: admission.retryAt, lockedUntil: null, updatedAt: new Date() })
        .where(and(eq(actionRuns.id, run.id), eq(actionRuns.status, 'DELIVERING')));
      return;
    }
    const body = JSON.stringify(run.payload);
    const headers = signedHeaders({ messageId: run.id, idempotencyKey: run.idempotencyKey, body, contentType: destination.contentType, secret: destination.secret, headers: destination.headers });
    const answer = await sendDelivery({
      url: destination.url ?? '',
      headers,
      body,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
      allowPrivate: settings.allowPrivateTargets,
    });
    metrics.duration.observe({ kind: run.kind }, answer.durationMs / 1000);
    const verdict = judgeAttempt(answer);
    if (verdict.outcome === 'retry' && verdict.targetFailed) {
      await breakers.failed(destination.breakerKey);
      metrics.breakers.set({ target: destination.label }, BREAKER_GAUGE[(await breakers.status(destination.breakerKey)).state]);
    } else {
      // A success closes the breaker (or leaves it closed): no need to ask.
      await breakers.succeeded(destination.breakerKey);
      if (admission.trial || verdict.outcome === 'succeeded') metrics.breakers.set({ target: destination.label }, BREAKER_GAUGE.closed);
    }
    await this.record(run, answer, verdict);
  }

  /** The attempt, the run's next state and, when it ends, its action.executed event: one transaction. */
  private async record(run: ActionRunRow, answer: DeliveryAnswer, verdict: Verdict): Promise<void> {
    const { db, settings, metrics } = this.options;
    const attempts = run.attempts + 1;
    const now = new Date();
    let status: ActionRunRow['status'] = 'SUCCEEDED';
    let nextAttemptAt = run.nextAttemptAt;
    let lastError: string | null = null;
    if (verdict.outcome === 'permanent') {
      status = 'FAILED';
      lastError = verdict.reason;
    } else if (verdict.outcome === 'retry') {
      const scheduled = retryDelayMs(settings.delaysMs, attempts - run.scheduleStart);
      if (scheduled === undefined) {
        status = 'FAILED';
        lastError = `gave up after ${attempts - run.scheduleStart} attempts: ${verdict.reason}`;
      } else {
        status = 'PENDING';
        nextAttemptAt = new Date(now.getTime() + Math.max(scheduled, verdict.afterMs ?? 0));
        lastError = verdict.reason;
      }
    }
    metrics.deliveries.inc({ kind: run.kind, result: status === 'PENDING' ? 'retry' : status === 'SUCCEEDED' ? 'succeeded' : 'failed' });
    const finished = status === 'SUCCEEDED' || status === 'FAILED';
    await db.transaction(async (tx) => {
      await tx.insert(actionAttempts).values({
        runId: run.id,
        tenantId: run.tenantId,
        number: attempts,
        startedAt: new Date(now.getTime() - answer.durationMs),
        durationMs: answer.durationMs,
        statusCode: answer.statusCode ?? null,
        responseBody: answer.body ?? null,
        error: answer.error ?? null,
      });
      const updated = await tx
        .update(actionRuns)
        .set({ status, attempts, nextAttemptAt, lastError, lockedUntil: null, finishedAt: finished ? now : null, updatedAt: now })
        .where(and(eq(actionRuns.id, run.id), eq(actionRuns.status, 'DELIVERING')))
        .returning({ id: actionRuns.id });
      // Partners' deliveries are not themselves events: a subscription to action.executed would feed itself.
      if (!finished || !updated.length || run.subscriptionId) return;
      const executed = createEvent({
        eventType: 'action.executed',
        source: 'workflow',
        tenantId: run.tenantId,
        data: {
          runId: run.id,
          executionId: run.executionId,
          workflowId: run.workflowId,
          workflowVersion: run.workflowVersion,
          nodeId: run.nodeId,
          targetId: run.targetId,
          kind: run.kind,
          status,
          attempts,
          error: lastError,
          idempotencyKey: run.idempotencyKey,
          finishedAt: now.toISOString(),
        },
      });
      await enqueueEvents(tx, this.options.outbox, [executed]);
      // Partners subscribed to action.executed get their deliveries here rather than by consuming this service's own event.
      const partners = await subscriptionRuns(tx, executed);
      if (partners.length) await tx.insert(actionRuns).values(inThisTrace(partners)).onConflictDoNothing({ target: actionRuns.idempotencyKey });
    });
    if (finished && !run.subscriptionId) this.options.eventsCommitted();
  }
}
