import { randomBytes } from 'node:crypto';
import type { ExecutionResult } from 'graphql';

/**
 * One event of a shared upstream reaches every subscriber as the same result object; graphql-ws
 * would serialize it again for each of them, and each socket would hold its own copy. For a
 * shared result, graphql-ws's `next` message carries a reference instead (`payloadReference`, its
 * onNext hook), and the socket writer (`framesOf`) puts the payload, serialized once, in its
 * place. From FRAGMENT_BYTES on, the payload goes out as a WebSocket continuation frame of its
 * own: one Buffer that every socket references.
 */
export const FRAGMENT_BYTES = 16 * 1024;

// Unguessable, so data that merely contains the text of a reference never stands for a payload.
const REFERENCE = `\u0000shared-payload-${randomBytes(16).toString('hex')}-`;
/** The reference as JSON writes it, with the result's number. */
const REFERENCE_IN_JSON = new RegExp(`${JSON.stringify(REFERENCE).slice(0, -1).replaceAll('\\', '\\\\')}(\\d+)"`);

const shared = new WeakSet<ExecutionResult>();
const numbers = new WeakMap<ExecutionResult, number>();
/** A small payload as text, a large one as the bytes every socket writes. */
const encodings = new WeakMap<ExecutionResult, string | Buffer>();
/** Results referenced by messages serialized and not yet written, with how many such messages. */
const referenced = new Map<number, { result: ExecutionResult; messages: number }>();
let lastNumber = 0;

/** Marks a result that many sockets send, so its payload is serialized once. */
export function sharePayload(result: ExecutionResult): ExecutionResult {
  shared.add(result);
  return result;
}

/**
 * What a `next` message carries for a shared result: a reference, counted as it is serialized
 * and released as `framesOf` writes it — both in the one synchronous step graphql-ws's send is.
 * Nothing for any other result.
 */
export function payloadReference(result: ExecutionResult): ExecutionResult | undefined {
  if (!shared.has(result)) return undefined;
  let number = numbers.get(result);
  if (number === undefined) numbers.set(result, (number = ++lastNumber));
  const reference = `${REFERENCE}${number}`;
  const toJSON = () => {
    const entry = referenced.get(number);
    if (entry) entry.messages++;
    else referenced.set(number, { result, messages: 1 });
    return reference;
  };
  return { toJSON } as ExecutionResult;
}

function encodingOf(result: ExecutionResult): string | Buffer {
  let encoded = encodings.get(result);
  if (encoded === undefined) {
    const json = JSON.stringify(result);
    encoded = Buffer.byteLength(json) < FRAGMENT_BYTES ? json : Buffer.from(json);
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
  const number = Number(match[1]);
  const entry = referenced.get(number);
  if (!entry) return message;
  if (--entry.messages === 0) referenced.delete(number);
  const encoded = encodingOf(entry.result);
  const head = message.slice(0, match.index);
  const tail = message.slice(match.index + match[0].length);
  return typeof encoded === 'string' ? `${head}${encoded}${tail}` : [head, encoded, tail];
}

/** Messages serialized and not yet written: zero between writes. */
export const referencesInFlight = () => referenced.size;
