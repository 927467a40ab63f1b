import { describe, expect, it } from 'vitest';
import { CATEGORY_WEIGHT, distance, fieldSpecs, flatten, nearestRows, roundDistance, vectorMatrix, vectorOf } from './similarity.ts';

const distanceOf = (a: Record<string, unknown>, b: Record<string, unknown>, samples: Array<Record<string, unknown>> = [a, b]) => {
  const specs = fieldSpecs(samples.map(flatten));
  return roundDistance(distance(vectorOf(flatten(a), specs), vectorOf(flatten(b), specs), specs.length));
};

describe('the similarity metric', () => {
  it('flattens nested objects and arrays into dotted fields', () => {
    expect([...flatten({ sensor: { temp: 80, tags: ['hot', { level: 2 }] }, line: 'L3', ok: null })]).toEqual([
      ['sensor.temp', 80],
      ['sensor.tags.0', 'hot'],
      ['sensor.tags.1.level', 2],
      ['line', 'L3'],
      ['ok', null],
    ]);
  });

  it('leaves out keys holding a dot and whatever lies deeper than ten levels', () => {
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: { i: { j: 1, k: { l: 2 } } } } } } } } } } };
    expect([...flatten({ 'a.b': 1, ok: 2, ...deep })]).toEqual([
      ['ok', 2],
      ['a.b.c.d.e.f.g.h.i.j', 1],
    ]);
  });

  it('keeps at most 50 categories a field and 200 fields: later ones count as unknown', () => {
    const many = Array.from({ length: 80 }, (_, index) => flatten({ code: `C${index}` }));
    const [code] = fieldSpecs(many);
    expect(code).toMatchObject({ kind: 'categorical' });
    expect((code as { values: string[] }).values).toHaveLength(50);
    expect(fieldSpecs([flatten(Object.fromEntries(Array.from({ length: 250 }, (_, index) => [`f${index}`, index])))])).toHaveLength(200);
  });

  it('lists each field as numeric with its range, or categorical with its values, in one order', () => {
    expect(fieldSpecs([flatten({ t: 10, line: 'L3', on: true }), flatten({ t: 30, line: 'L1', on: 'yes' })])).toEqual([
      { name: 'line', kind: 'categorical', values: ['L1', 'L3'] },
      { name: 'on', kind: 'categorical', values: ['true', 'yes'] },
      { name: 't', kind: 'numeric', min: 10, max: 30 },
    ]);
  });

  it('scales numbers by their field’s range, so a field’s unit does not weigh', () => {
    const samples = [{ grams: 0, metres: 0 }, { grams: 1_000_000, metres: 1 }];
    expect(distanceOf({ grams: 500_000, metres: 0 }, { grams: 0, metres: 0 }, samples)).toBe(distanceOf({ grams: 0, metres: 0.5 }, { grams: 0, metres: 0 }, samples));
  });

  it('is 0 for the same input, 1 when every field is as different as it can be, and symmetric', () => {
    const samples = [{ t: 0, line: 'L1' }, { t: 100, line: 'L2' }];
    expect(distanceOf({ t: 40, line: 'L1' }, { t: 40, line: 'L1' }, samples)).toBe(0);
    expect(distanceOf({ t: 0, line: 'L1' }, { t: 100, line: 'L2' }, samples)).toBe(1);
    expect(distanceOf({ t: 10, line: 'L2' }, { t: 70, line: 'L1' }, samples)).toBe(distanceOf({ t: 70, line: 'L1' }, { t: 10, line: 'L2' }, samples));
  });

  it('puts a missing number halfway, and an unknown or missing category 1/√2 from every known one', () => {
    const samples = [{ t: 0, line: 'L1' }, { t: 100, line: 'L2' }];
    const specs = fieldSpecs(samples.map(flatten));
    expect([...vectorOf(flatten({}), specs)]).toEqual([0, 0, 0.5]);
    expect([...vectorOf(flatten({ line: 'L9', t: 'hot' }), specs)]).toEqual([0, 0, 0.5]);
    expect([...vectorOf(flatten({ line: 'L2', t: 25 }), specs)]).toEqual([0, CATEGORY_WEIGHT, 0.25]);
    // Two known categories are 1 apart; an unknown one is 1/√2 from each.
    expect(distanceOf({ line: 'L1' }, { line: 'L2' }, samples)).toBe(roundDistance(1 / Math.sqrt(2)));
    expect(distanceOf({ line: 'L1' }, { line: 'L9' }, samples)).toBe(roundDistance(Math.SQRT1_2 / Math.sqrt(2)));
  });

  it('finds the nearest rows first, ties going to the row the tie-break puts first', () => {
    const items = [{ id: 'a', t: 10 }, { id: 'b', t: 90 }, { id: 'c', t: 50 }, { id: 'd', t: 90 }];
    const specs = fieldSpecs(items.map((item) => flatten({ t: item.t })));
    const { matrix, dimensions } = vectorMatrix(items.map((item) => flatten({ t: item.t })), specs);
    const laterIdFirst = (a: number, b: number) => items[a]!.id > items[b]!.id;
    const found = nearestRows(matrix, dimensions, vectorOf(flatten({ t: 85 }), specs), specs.length, 3, laterIdFirst);
    expect(found.map((neighbour) => items[neighbour.row]!.id)).toEqual(['d', 'b', 'c']);
    expect(found[0]!.distance).toBe(found[1]!.distance);
    expect(nearestRows(matrix, dimensions, vectorOf(flatten({ t: 0 }), specs), specs.length, 10, laterIdFirst).map((neighbour) => items[neighbour.row]!.id)).toEqual(['a', 'c', 'd', 'b']);
  });

  it('computes in float32 as pgvector does', () => {
    const specs = fieldSpecs([flatten({ t: 0 }), flatten({ t: 3 })]);
    const vector = vectorOf(flatten({ t: 1 }), specs);
    expect(vector[0]).toBe(Math.fround(1 / 3));
  });
});
