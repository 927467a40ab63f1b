import { pino, type Logger } from 'pino';
import { traceFields } from './tracing.ts';

export type { Logger };

/** JSON lines on stdout; on stderr with `stderr`, for processes whose stdout is a protocol (the stdio MCP server). */
export function createLogger(service: string, level: string = 'info', options: { stderr?: boolean } = {}): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      // The active span's ids, when tracing is on: a log line leads to its trace.
      mixin: traceFields,
    },
    options.stderr ? pino.destination(2) : undefined,
  );
}

const redact = (text: string | undefined) => text?.replace(/params: [^\n]*/g, 'params: [redacted]');

/**
 * An error as it may be logged: database errors quote the failed query's parameters, which are
 * user data, so those are cut. Causes are kept, redacted the same way.
 */
export function redactedError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, cause } = error as Error & { code?: unknown };
  return {
    type: error.name,
    message: redact(error.message),
    stack: redact(error.stack),
    ...(code !== undefined ? { code } : {}),
    ...(cause !== undefined ? { cause: redactedError(cause) } : {}),
  };
}
