import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { traceFields } from './tracing.ts';

export type { Logger };

/** `json` always; `pretty` always; `auto` (the default): pretty on a terminal, JSON when piped or collected. */
export type LogFormat = 'json' | 'pretty' | 'auto';

const REDACTED = '[redacted]';

/** Keys whose values are secrets wherever they appear in a line, at any depth, in any case. */
const SECRET_KEYS = new Set(
  [
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'x-api-key',
    'x-judgify-identity',
    'x-judgify-delegation',
    'apikey',
    'api_key',
    'password',
    'secret',
    'clientsecret',
    'client_secret',
    'token',
    'accesstoken',
    'access_token',
    'refreshtoken',
    'refresh_token',
    'privatekey',
    'private_key',
    'signingkey',
    'jwtsecret',
    'openai_api_key',
    'jwt_secret',
    'gateway_signing_key',
    'gateway_previous_signing_key',
  ].map((key) => key.toLowerCase()),
);

/** Secrets by their shape, in any text: bearer tokens, JWTs, API keys, private keys, passwords in URLs. Linear: no unbounded lazy scans. */
const SECRET_PATTERNS: Array<[RegExp, string]> = [
  [/-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s]{0,16384}(-----END [A-Z ]{0,40}PRIVATE KEY-----)?/g, `-----BEGIN PRIVATE KEY----- ${REDACTED} -----END PRIVATE KEY-----`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
  // `redis://:secret@host` and `https://user:p@ss@host` alike: everything up to the authority's last "@".
  [/(\/\/[^/\s:@]*):[^\s/]*@/g, `$1:${REDACTED}@`],
];

/** Longer text is cut before scrubbing: a log line is no place for megabytes. */
const MAX_TEXT = 64 * 1024;

/** Database errors quote the failed query's parameters, which are user data: those are cut too. */
const scrubText = (text: string) =>
  SECRET_PATTERNS.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… [cut]` : text).replace(/params: [^\n]*/g, `params: ${REDACTED}`);

/** A line's fields with secrets cut: by key at any depth (log fields are small), and by shape in every string. */
function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrub(item, depth + 1));
  if (value instanceof Error) return redactedError(value);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : scrub(item, depth + 1)]));
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
  return withScrubbedChildren(pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
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
  ));
}

/** A child's fields (a request's, a connection's) are written on every line it logs: scrubbed once, when it is made. */
function withScrubbedChildren(logger: Logger): Logger {
  const child = logger.child.bind(logger) as unknown as (bindings: Record<string, unknown>, options?: object) => Logger;
  const scrubbedChild = (bindings: Record<string, unknown>, childOptions?: object) => withScrubbedChildren(child(scrub(bindings) as Record<string, unknown>, childOptions));
  logger.child = scrubbedChild as unknown as Logger['child'];
  return logger;
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
