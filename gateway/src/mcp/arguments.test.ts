import { describe, expect, it } from 'vitest';
import { ArgumentCheck } from './arguments.ts';
import type { JsonSchema } from './json-schema.ts';

const schema: JsonSchema = {
  type: 'object',
  properties: {
    input: {
      type: 'object',
      properties: {
        workflowId: { type: 'string' },
        inputData: {},
        method: { type: ['string', 'null'], enum: ['RULE', 'LLM', 'HYBRID', null] },
        at: { type: ['string', 'null'], format: 'date-time' },
        tags: { type: 'array', items: { type: 'string' } },
      },
      required: ['workflowId', 'inputData'],
      additionalProperties: false,
    },
    first: { type: ['integer', 'null'] },
  },
  required: ['input'],
  additionalProperties: false,
};
const check = new ArgumentCheck(schema);

describe('tool argument check', () => {
  it('accepts what the schema allows, null for nullable values included', () => {
    expect(check.check({ input: { workflowId: 'w1', inputData: { t: 1 }, method: null, at: '2025-01-31T09:00:00Z', tags: ['a'] }, first: 3 })).toBeUndefined();
    expect(check.check({ input: { workflowId: 'w1', inputData: 'anything' }, first: null })).toBeUndefined();
  });

  it('names each bad argument with what was expected and what came', () => {
    expect(check.check({ input: { workflowId: 7, method: 'FAST', at: 'yesterday', tags: [1], color: 'red' }, first: 1.5 })).toEqual([
      '"input.inputData" is required: any JSON value',
      '"input.color" is not an argument here; expected only workflowId, inputData, method, at, tags',
      '"input.workflowId" must be a string, got 7',
      '"input.method" must be one of RULE, LLM, HYBRID, got "FAST"',
      '"input.at" must be a date-time string (RFC 3339, e.g. 2025-01-31T09:00:00Z), got "yesterday"',
      'and 2 more',
    ]);
    expect(check.check({})).toEqual(['"input" is required: an object']);
    expect(check.check({ input: { workflowId: 'w', inputData: 1, tags: ['a', 2] } })).toEqual(['"input.tags[1]" must be a string, got 2']);
  });
});
