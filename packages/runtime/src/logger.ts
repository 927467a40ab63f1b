import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { traceFields } from './tracing.ts';

export type { Logger };

/** `json` always; `pretty` always; `auto` (the default): pretty on a terminal, JSON when piped or collected. */
export type LogFormat = 'json' | 'pretty' | 'auto';

const REDACTED = '[redacted]';

/** Keys whose values are secrets wherever they appear in a log line (one level deep, and as header names). */
const SECRET_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-judgify-identity',
  'x-judgify-delegation',
  'apiKey',
  'api_key',
  'password',
  'secret',
  'token',
  'signingKey',
  'jwtSecret',
  'OPENAI_API_KEY',
  'JWT_SECRET',
  'GATEWAY_SIGNING_KEY',
  'GATEWAY_PREVIOUS_SIGNING_KEY',
];
const REDACT_PATHS = SECRET_KEYS.flatMap((key) => {
  const segment = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
  const join = (prefix: string) => (segment.startsWith('[') ? `${prefix}${segment}` : `${prefix}.${segment}`);
  return [segment.startsWith('[') ? segment.slice(2, -2) : segment, join('*'), join('headers'), join('*.headers')];
});

/** Secrets by their shape, in any text: bearer tokens, JWTs, API keys, private keys, passwords in URLs. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g, `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  [/(\/\/[^/\s:@]+):[^@\s/]+@/g, `$1:${REDACTED}@`],
];

/** Database errors quote the failed query's parameters, which are user data: those are cut too. */
const scrubText = (text: string) => SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text).replace(/params: [^\n]*/g, `params: ${REDACTED}`);

/** Every string in a log line's fields, scrubbed, a few levels deep (log fields are small). */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  if (value instanceof Error) return redactedError(value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, scrub(item, depth + 1)]));
}

/** Where lines go and how they look: readable through pino-pretty, or JSON as they are. */
function destinationFor(format: LogFormat, stderr: boolean, given: DestinationStream | undefined): DestinationStream | undefined {
  const isTerminal = !given && (stderr ? process.stderr.isTTY : process.stdout.isTTY);
  if (format === 'pretty' || (format === 'auto' && isTerminal)) {
    return pretty({ destination: given ?? (stderr ? 2 : 1), sync: true, colorize: isTerminal, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service', messageFormat: '{service} · {msg}' });
  }
  return given ?? (stderr ? pino.destination(2) : undefined);
}

/**
 * JSON lines on stdout (on stderr with `stderr`, for processes whose stdout is a protocol: the
 * stdio MCP server), or readable lines on a terminal. Secrets never reach a line: by key
 * (authorization headers, API keys, signing keys, tokens) and by shape in any text.
 */
export function createLogger(service: string, level: string = 'info', options: { stderr?: boolean; format?: LogFormat; destination?: DestinationStream } = {}): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        log: (fields) => scrub(fields) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>;
          method.apply(this, scrubbed);
        },
      },
      // The active span's ids, when tracing is on: a log line leads to its trace.
      mixin: traceFields,
    },
    destinationFor(options.format ?? 'auto', options.stderr ?? false, options.destination),
  );
}

/** An error as it may be logged: its message, stack and causes scrubbed the same way. */
export function redactedError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: scrubText(String(error)) };
  const { code, cause } = error as Error & { code?: unknown };
  return {
    type: error.name,
    message: scrubText(error.message),
    ...(error.stack ? { stack: scrubText(error.stack) } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(cause !== undefined ? { cause: redactedError(cause) } : {}),
  };
}
