import type { Plugin } from 'graphql-yoga';
import type { Registry } from 'prom-client';
import { redactedError } from './logger.ts';
import { scrapedGauge } from './metrics.ts';

export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What a check that answered found: working, or working below par (`degraded` says why), with details to show. */
export interface CheckOutcome {
  degraded?: string;
  details?: Record<string, unknown>;
}

/** Resolves when the dependency is usable (optionally with an outcome); throws when it is not. */
export type HealthCheck = () => Promise<void | CheckOutcome>;

export type ReadinessChecks = Record<string, HealthCheck>;

/** A failure that still has details to show (which subgraph, say). */
export class HealthCheckError extends Error {
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface CheckReport {
  status: HealthStatus;
  /** Whether the process is unready while this check fails. */
  required: boolean;
  responseTimeMs: number;
  /** Why it is not healthy, with credentials and query strings cut out. */
  error?: string;
  [detail: string]: unknown;
}

export interface HealthReport {
  status: HealthStatus;
  service: string;
  version: string;
  uptimeSeconds: number;
  checks: Record<string, CheckReport>;
}

export interface ServiceHealthOptions {
  service: string;
  version: string;
  /** Without these the process cannot serve: one failing makes it unhealthy and unready. */
  required: ReadinessChecks;
  /** The process serves without these, degraded (Redis, the LLM, a subgraph behind the gateway). */
  degradable?: ReadinessChecks;
  /** Each check is given up after this long (default 2 s). */
  timeoutMs?: number;
  /** A report is shared with whoever asks within this long of it starting (default 1 s). */
  reuseMs?: number;
}

export interface ServiceHealth {
  readonly service: string;
  /** How long one check may take. */
  readonly timeoutMs: number;
  /** `ready`: the required checks only, as readiness probes ask; `full`: every check. */
  report(scope?: 'full' | 'ready'): Promise<HealthReport>;
}

const CHECK_TIMEOUT_MS = 2_000;
const REPORT_REUSE_MS = 1_000;

/**
 * Error text safe to show on an open route: the logger's scrubbing (tokens, keys, passwords in
 * URLs), then any userinfo and query string left in a URL (`postgres://user@host/db?sslkey=…`).
 */
export function healthErrorText(error: unknown): string {
  const message = String(redactedError(error).message ?? '');
  return message.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1').replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)\?[^\s#]*/gi, '$1');
}

async function runCheck(check: HealthCheck, required: boolean, timeoutMs: number): Promise<CheckReport> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    const outcome = (await Promise.race([check(), timeout])) ?? {};
    return {
      status: outcome.degraded ? 'degraded' : 'healthy',
      required,
      responseTimeMs: elapsed(),
      ...(outcome.degraded ? { error: outcome.degraded } : {}),
      ...outcome.details,
    };
  } catch (error) {
    const details = error instanceof HealthCheckError ? error.details : {};
    return { status: 'unhealthy', required, responseTimeMs: elapsed(), error: healthErrorText(error), ...details };
  } finally {
    clearTimeout(timer);
  }
}

/** Unhealthy when a required check fails; degraded when anything else is not healthy. */
export function overallStatus(checks: Record<string, CheckReport>): HealthStatus {
  const reports = Object.values(checks);
  if (reports.some((check) => check.required && check.status === 'unhealthy')) return 'unhealthy';
  return reports.every((check) => check.status === 'healthy') ? 'healthy' : 'degraded';
}

/** A service's health: every check run in parallel, each bounded by a timeout, never throwing. */
export function createServiceHealth(options: ServiceHealthOptions): ServiceHealth {
  const startedAt = performance.now();
  const timeoutMs = options.timeoutMs ?? CHECK_TIMEOUT_MS;
  const run = (group: ReadinessChecks, required: boolean) =>
    Object.entries(group).map(async ([name, check]) => [name, await runCheck(check, required, timeoutMs)] as const);
  const build = async (scope: 'full' | 'ready'): Promise<HealthReport> => {
    const entries = await Promise.all([...run(options.required, true), ...(scope === 'full' ? run(options.degradable ?? {}, false) : [])]);
    const checks = Object.fromEntries(entries);
    return {
      status: overallStatus(checks),
      service: options.service,
      version: options.version,
      uptimeSeconds: Math.floor((performance.now() - startedAt) / 1000),
      checks,
    };
  };
  // /health is open on the gateway's public port: callers at once share one round of checks.
  const recent = new Map<'full' | 'ready', { at: number; report: Promise<HealthReport> }>();
  const reuseMs = options.reuseMs ?? REPORT_REUSE_MS;
  return {
    service: options.service,
    timeoutMs,
    report(scope = 'full') {
      const last = recent.get(scope);
      if (last && performance.now() - last.at < reuseMs) return last.report;
      const report = build(scope);
      recent.set(scope, { at: performance.now(), report });
      return report;
    },
  };
}

/**
 * /health: every check, always 200, for humans and dashboards. /health/ready: the required checks
 * only, 503 when one fails; a degradable dependency (Redis, the LLM, a subgraph) being down never
 * makes a process unready: without it it serves, degraded, rather than not at all. Liveness
 * (/health/live) is yoga's own health check endpoint.
 */
export function useHealth(health: ServiceHealth): Plugin {
  return {
    async onRequest({ url, endResponse, fetchAPI }) {
      if (url.pathname !== '/health' && url.pathname !== '/health/ready') return;
      const ready = url.pathname === '/health/ready';
      const report = await health.report(ready ? 'ready' : 'full');
      const status = ready && report.status === 'unhealthy' ? 503 : 200;
      endResponse(new fetchAPI.Response(JSON.stringify(report), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store' } }));
    },
  };
}

const STATUS_VALUE: Record<HealthStatus, number> = { healthy: 1, degraded: 0.5, unhealthy: 0 };

/**
 * `service_health_status{check}`: 1 healthy, 0.5 degraded, 0 unhealthy, per check and for
 * `check="overall"`. Computed when scraped, at most one health round per `maxAgeMs` (5 s).
 * Built again on the same registry (tests), the newest health is the one reported.
 */
export function registerHealthMetric(registry: Registry, health: ServiceHealth, options: { maxAgeMs?: number } = {}): void {
  registry.removeSingleMetric('service_health_status');
  scrapedGauge({
    name: 'service_health_status',
    help: 'Health of each check and of the service (check="overall"): 1 healthy, 0.5 degraded, 0 unhealthy',
    labelNames: ['check'],
    registry,
    maxAgeMs: options.maxAgeMs,
    // Longer than a check's own timeout, so a slow dependency reads as unhealthy rather than stale.
    timeoutMs: health.timeoutMs + 1_000,
    read: async () => {
      const report = await health.report();
      return [
        { labels: { check: 'overall' }, value: STATUS_VALUE[report.status] },
        ...Object.entries(report.checks).map(([check, result]) => ({ labels: { check }, value: STATUS_VALUE[result.status] })),
      ];
    },
  });
}
