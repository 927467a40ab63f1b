import { describe, expect, it } from 'vitest';
import { decisionsOf, inputFieldsOf } from './fields.ts';

const definition = {
  startNode: 'check',
  nodes: [
    { id: 'check', type: 'judgment', rule: 'temperature > 80 AND vibration > 50' },
    { id: 'again', type: 'judgment', rule: 'temperature > 95 OR line_speed < 2' },
    { id: 'broken', type: 'judgment', rule: '"unterminated' },
    { id: 'stop', type: 'output', decision: 'STOP_LINE' },
    { id: 'ok', type: 'output', decision: 'OK' },
    { id: 'ok2', type: 'output', decision: 'OK' },
  ],
  edges: [],
};

describe('workflow fields', () => {
  it('lists the identifiers its rules read, once each, in first-use order', () => {
    expect(inputFieldsOf(definition)).toEqual(['temperature', 'vibration', 'line_speed']);
  });

  it('lists the decisions its outputs reach, once each', () => {
    expect(decisionsOf(definition)).toEqual(['STOP_LINE', 'OK']);
  });

  it('reads nothing from a definition without nodes', () => {
    expect(inputFieldsOf(null)).toEqual([]);
    expect(decisionsOf({})).toEqual([]);
  });
});
