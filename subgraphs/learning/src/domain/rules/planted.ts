import { conjunctionText, holds, type Condition } from './conditions.ts';
import { seededRandom, shuffled } from './dataset.ts';
import { flatten } from '../similarity.ts';
import type { LabelledSample } from './extract.ts';

export interface PlantedCase {
  /** The rule that decided the labels. */
  truth: string;
  samples: LabelledSample[];
}

const CATEGORIES = ['A', 'B', 'C', 'D'];

/**
 * A labelled data set whose truth is a known rule: `relevant` fields (numbers 0–100 or categories
 * A–D) of which the planted conjunction tests `conditions`, `distractors` more fields that decide
 * nothing, and each label flipped with probability `noise`. Labels are `POSITIVE` / `NEGATIVE`.
 */
export function plantedCase(options: { seed: number; samples: number; relevant: number; distractors: number; conditions: number; noise: number }): PlantedCase {
  const random = seededRandom(options.seed);
  const fields = Array.from({ length: options.relevant + options.distractors }, (_, index) => ({
    name: index < options.relevant ? `f${index}` : `noise${index - options.relevant}`,
    categorical: random() < 0.3,
  }));
  const tested = shuffled(fields.slice(0, options.relevant), random).slice(0, options.conditions);
  // Each test holds with probability q, so about a third of the samples are positive, whatever the number of tests.
  const q = 0.35 ** (1 / options.conditions);
  const conditions: Condition[] = tested.map((field): Condition => {
    if (field.categorical) {
      const value = CATEGORIES[Math.floor(random() * CATEGORIES.length)]!;
      return options.conditions === 1 ? { field: field.name, op: '==', value } : { field: field.name, op: '!=', value };
    }
    return random() < 0.5 ? { field: field.name, op: '>', value: Math.round(100 * (1 - q)) } : { field: field.name, op: '<=', value: Math.round(100 * q) };
  });
  const samples: LabelledSample[] = [];
  for (let index = 0; index < options.samples; index++) {
    const input = Object.fromEntries(fields.map((field) => [field.name, field.categorical ? CATEGORIES[Math.floor(random() * CATEGORIES.length)]! : Math.round(random() * 1000) / 10]));
    const truth = conditions.every((condition) => holds(condition, flatten(input)));
    const flipped = random() < options.noise ? !truth : truth;
    samples.push({ input, label: flipped ? 'POSITIVE' : 'NEGATIVE' });
  }
  return { truth: conjunctionText(conditions), samples };
}

export const PLANTED_OUTCOMES = { POSITIVE: 'true', NEGATIVE: 'false' } as const;
