import { describe, expect, it } from 'vitest';
import { canonicalJson, checkInputData, inputHash } from './judgment-input.ts';

const nested = (depth: number) => {
  let value: Record<string, unknown> = { leaf: 1 };
  for (let level = 1; level < depth; level++) value = { next: value };
  return value;
};

describe('judgment input', () => {
  it('accepts an object up to 10 levels deep', () => {
    expect(checkInputData(nested(10))).toEqual(nested(10));
  });

  it('refuses non-objects, deeper nesting and more than 1 MB, naming the limit', () => {
    expect(() => checkInputData([1])).toThrow('input.inputData must be a JSON object of input fields.');
    expect(() => checkInputData(nested(11))).toThrow('input.inputData is nested 11 levels deep; the limit is 10.');
    expect(() => checkInputData({ blob: 'x'.repeat(1024 * 1024) })).toThrow(/bytes; the limit is 1048576 \(1 MB\)\.$/);
  });

  it('refuses text PostgreSQL jsonb cannot store (NUL, unpaired surrogates), in keys and values, but not their escapes typed as text', () => {
    const refused = 'input.inputData holds a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored.';
    expect(() => checkInputData({ note: 'a\u0000b' })).toThrow(refused);
    expect(() => checkInputData({ ['k\u0000']: 1 })).toThrow(refused);
    expect(() => checkInputData({ deep: [{ note: '\ud800' }] })).toThrow(refused);
    expect(() => checkInputData({ note: 'x\udfff' })).toThrow(refused);
    expect(checkInputData({ typed: '\\u0000 and \\ud800', pair: '😀', backslash: '\\' })).toBeTruthy();
    expect(() => checkInputData({ note: '\\\u0000' })).toThrow(refused);
  });

  it('hashes equal inputs alike whatever their key order', () => {
    expect(canonicalJson({ b: [1, { d: 2, c: 3 }], a: null })).toBe('{"a":null,"b":[1,{"c":3,"d":2}]}');
    expect(inputHash({ temperature: 90, vibration: 60 })).toBe(inputHash({ vibration: 60, temperature: 90 }));
    expect(inputHash({ temperature: 90 })).not.toBe(inputHash({ temperature: 91 }));
  });
});
