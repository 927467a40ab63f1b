import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from 'graphql';

/**
 * One event of a shared upstream reaches every subscriber as the same result object; graphql-ws
 * would serialize it again for each of them, and each socket would hold its own copy. A marked
 * result serializes, inside graphql-ws's `next` message, as a reference; the socket writer puts
 * the payload, serialized once, in its place. From FRAGMENT_BYTES on, the payload goes out as a
 * WebSocket continuation frame of its own: one Buffer that every socket references.
 */
export const FRAGMENT_BYTES = 16 * 1024;

// Unguessable, so data that merely contains the text of a reference never stands for a payload.
const REFERENCE = `\u0000shared-payload-${randomBytes(16).toString('hex')}-`;
/** The reference as JSON writes it, with the result's number. */
const REFERENCE_IN_JSON = new RegExp(`${JSON.stringify(REFERENCE).slice(0, -1).replaceAll('\\', '\\\\')}(\\d+)"`);

interface Encoded {
  json: string;
  bytes?: Buffer;
}

const encodings = new WeakMap<ExecutionResult, Encoded>();
/** Results referenced by messages serialized and not yet written, with how many such messages. */
const referenced = new Map<number, { result: ExecutionResult; messages: number }>();
let lastId = 0;

/** Marks a result that many sockets send, so its payload is serialized once; a marked result stays as it is. */
export function sharePayload(result: ExecutionResult): ExecutionResult {
  if (Object.hasOwn(result, 'toJSON')) return result;
  const id = ++lastId;
  // Enumerable, so it survives the copy graphql-ws makes of a result (`{ ...result }`) for its message.
  Object.defineProperty(result, 'toJSON', {
    enumerable: true,
    value(this: ExecutionResult, key: string) {
      if (key !== 'payload') {
        // Serialized anywhere else (Server-Sent Events, logs): the plain result.
        const { toJSON: _marker, ...plain } = this as ExecutionResult & { toJSON: unknown };
        return plain;
      }
      const entry = referenced.get(id);
      if (entry) entry.messages++;
      else referenced.set(id, { result, messages: 1 });
      return `${REFERENCE}${id}`;
    },
  });
  return result;
}

function encodingOf(result: ExecutionResult): Encoded {
  let encoded = encodings.get(result);
  if (!encoded) {
    encoded = { json: JSON.stringify(result) };
    encodings.set(result, encoded);
  }
  return encoded;
}

/**
 * What to write for one serialized graphql-ws message: the message itself or, when it refers to
 * a shared payload, the message with the payload in place — as one text, or for a large payload
 * as three fragments around the shared Buffer. Every message must pass here, written or not, so
 * its reference is released.
 */
export function framesOf(message: string): string | [head: string, payload: Buffer, tail: string] {
  const match = REFERENCE_IN_JSON.exec(message);
  if (!match) return message;
  const id = Number(match[1]);
  const entry = referenced.get(id);
  if (!entry) return message;
  if (--entry.messages === 0) referenced.delete(id);
  const encoded = encodingOf(entry.result);
  const head = message.slice(0, match.index);
  const tail = message.slice(match.index + match[0].length);
  if (encoded.json.length < FRAGMENT_BYTES) return `${head}${encoded.json}${tail}`;
  encoded.bytes ??= Buffer.from(encoded.json);
  return [head, encoded.bytes, tail];
}
