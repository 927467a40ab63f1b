import { createHash } from 'node:crypto';
import { AppError } from '@judgify/runtime/errors';
import { jsonDepth } from '@judgify/runtime/validation';

export const MAX_INPUT_BYTES = 1024 * 1024;
export const MAX_INPUT_DEPTH = 10;

/**
 * In JSON.stringify's text, an escaped NUL or lone surrogate (an even run of backslashes before
 * it, so `\\u0000` typed as text is fine): PostgreSQL's jsonb refuses both.
 */
const UNSTORABLE = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/;

/** Checked before any work: the input is a JSON object of at most 1 MB, nested at most 10 deep, with text jsonb can store. */
export function checkInputData(inputData: unknown, path = 'input.inputData'): Record<string, unknown> {
  if (typeof inputData !== 'object' || inputData === null || Array.isArray(inputData)) {
    throw new AppError('BAD_USER_INPUT', `${path} must be a JSON object of input fields.`, { field: path });
  }
  const text = JSON.stringify(inputData);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_INPUT_BYTES) {
    throw new AppError('BAD_USER_INPUT', `${path} is ${bytes} bytes; the limit is ${MAX_INPUT_BYTES} (1 MB).`, { field: path });
  }
  const depth = jsonDepth(inputData);
  if (depth > MAX_INPUT_DEPTH) {
    throw new AppError('BAD_USER_INPUT', `${path} is nested ${depth} levels deep; the limit is ${MAX_INPUT_DEPTH}.`, { field: path });
  }
  if (UNSTORABLE.test(text)) {
    throw new AppError('BAD_USER_INPUT', `${path} holds a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored.`, { field: path });
  }
  return inputData as Record<string, unknown>;
}

/** JSON with object keys sorted, so equal inputs hash alike whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const inputHash = (inputData: unknown) => createHash('sha256').update(canonicalJson(inputData)).digest('base64url');
