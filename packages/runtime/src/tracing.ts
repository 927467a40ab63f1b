import type { IncomingMessage, RequestListener } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Link } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

/**
 * OpenTelemetry tracing, off unless the standard `OTEL_*` variables ask for it. Off, nothing here
 * does any work: every helper checks `tracingEnabled()` first and calls straight through.
 *
 * The SDK, the exporter and the instrumentations load only when tracing starts.
 *
 * The database and Redis are instrumented with OpenTelemetry's own pg and ioredis
 * instrumentations. Their hooks see `require`, and this code base loads both through ESM
 * `import`, so they are applied to the imported modules directly.
 */
const tracer = trace.getTracer('judgify');
let provider: NodeTracerProvider | undefined;

export const tracingEnabled = () => provider !== undefined;

/** Whether the environment asks for an exporter: OTEL_TRACES_EXPORTER=otlp, or an OTLP endpoint, and the SDK not disabled. */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED === 'true') return false;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporter) return exporter.split(',').some((name) => name.trim() === 'otlp');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/**
 * Starts tracing for this process, once: `npm start` hosts every service in one process, which
 * then reports as one. `exporter` is for tests (an in-memory one, exported as spans end); without
 * it, the OTLP/HTTP exporter reads its endpoint, headers and timeouts from `OTEL_*` itself.
 */
export async function startTracing(options: { service: string; env?: NodeJS.ProcessEnv; exporter?: SpanExporter }): Promise<boolean> {
  if (provider) return true;
  const env = options.env ?? process.env;
  if (!options.exporter && !tracingRequested(env)) return false;
  const [{ W3CTraceContextPropagator }, { OTLPTraceExporter }, { IORedisInstrumentation }, { PgInstrumentation }, { Resource }, { BatchSpanProcessor, SimpleSpanProcessor }, { NodeTracerProvider }, { Redis }, { default: pg }] =
    await Promise.all([
      import('@opentelemetry/core'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/instrumentation-ioredis'),
      import('@opentelemetry/instrumentation-pg'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/sdk-trace-node'),
      import('ioredis'),
      import('pg'),
    ]);
  if (provider) return true;
  const started = new NodeTracerProvider({
    resource: new Resource({ 'service.name': env.OTEL_SERVICE_NAME || `judgify-${options.service}`, 'service.namespace': 'judgify' }),
    spanProcessors: [options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C traceparent only: a client's `baggage` header is not passed on to internal services.
  started.register({ propagator: new W3CTraceContextPropagator() });
  for (const instrumentation of [new PgInstrumentation({ requireParentSpan: true }), new IORedisInstrumentation({ requireParentSpan: true })]) {
    instrumentation.setTracerProvider(started);
    const patched = instrumentation instanceof PgInstrumentation ? pg : Redis;
    for (const definition of instrumentation.getModuleDefinitions()) {
      if (definition.name === 'pg' || definition.name === 'ioredis') definition.patch?.(patched, undefined);
    }
  }
  provider = started;
  return true;
}

/** Exports what is pending and stops (at shutdown, and between tests). */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  await stopping?.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

/** The active trace's propagation headers (`traceparent`, `tracestate`); none when tracing is off or no span is active. */
function activeTraceHeaders(): Record<string, string> {
  const carrier: Record<string, string> = {};
  if (provider) propagation.inject(context.active(), carrier);
  return carrier;
}

/** The active trace as a W3C `traceparent`, for an event envelope; undefined when there is none. */
export const currentTraceparent = (): string | undefined => activeTraceHeaders().traceparent;

/** Adds the active trace's headers to an outgoing request. */
export function injectTraceHeaders(headers: { set(name: string, value: string): void }): void {
  for (const [name, value] of Object.entries(activeTraceHeaders())) headers.set(name, value);
}

const contextOf = (traceparent: string | undefined): Context => (traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT);

/**
 * A server span around every request, a child of the caller's `traceparent`. The handler runs
 * inside it, so the gateway's planning and fetch spans, the database and Redis nest under it.
 */
export function tracedRequests(service: string, handler: RequestListener): RequestListener {
  return (req: IncomingMessage, res) => {
    if (!provider) return handler(req, res);
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const path = (req.url ?? '/').split('?', 1)[0];
    const span = tracer.startSpan(
      `${req.method} ${path}`,
      { kind: SpanKind.SERVER, attributes: { 'judgify.service': service, 'http.request.method': req.method ?? '', 'url.path': path } },
      parent,
    );
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), () => handler(req, res));
  };
}

/**
 * Runs `work` in a span. Its parent is the active span, or the trace an event carried
 * (`traceparent`); `links` join the traces of the other events a batch holds.
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; traceparent?: string; links?: Array<string | undefined> },
  work: () => Promise<T>,
): Promise<T> {
  if (!provider) return work();
  const parent = options.traceparent ? contextOf(options.traceparent) : context.active();
  const links: Link[] = (options.links ?? []).flatMap((traceparent) => {
    const linked = traceparent ? trace.getSpanContext(contextOf(traceparent)) : undefined;
    return linked ? [{ context: linked }] : [];
  });
  return tracer.startActiveSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links }, parent, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active span's ids, for log lines: `{ traceId, spanId }`, or nothing. */
export function traceFields(): { traceId?: string; spanId?: string } {
  if (!provider) return {};
  const active = trace.getSpanContext(context.active());
  return active && trace.isSpanContextValid(active) ? { traceId: active.traceId, spanId: active.spanId } : {};
}

export { SpanKind };
