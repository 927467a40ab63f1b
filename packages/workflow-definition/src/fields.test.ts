import { describe, expect, it } from 'vitest';
import { decisionsOf, inputFieldsOf } from './fields.ts';
import { inputDataFrom } from './input-paths.ts';

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

  it('reads dotted paths whole, and no function names', () => {
    const nested = { nodes: [{ type: 'judgment', rule: 'sensor.temp > 80 AND readings.1.v < 3 AND exists(operator) AND sensor.temp < 200' }] };
    expect(inputFieldsOf(nested)).toEqual(['sensor.temp', 'readings.1.v', 'operator']);
  });

  it('reads nothing from a definition without nodes', () => {
    expect(inputFieldsOf(null)).toEqual([]);
    expect(decisionsOf({})).toEqual([]);
  });
});

describe('input data from field paths', () => {
  it('nests dotted paths, a number segment being a list index', () => {
    expect(inputDataFrom({ temperature: 90, 'sensor.temp': 81, 'sensor.unit': 'C', 'readings.1.v': 2 })).toEqual({ temperature: 90, sensor: { temp: 81, unit: 'C' }, readings: [undefined, { v: 2 }] });
  });

  it('never writes through __proto__ or constructor', () => {
    const data = inputDataFrom({ '__proto__.polluted': true, 'constructor.prototype.polluted': true, ok: 1 });
    expect(data).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
