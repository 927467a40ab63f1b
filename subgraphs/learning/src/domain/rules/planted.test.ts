import { describe, expect, it } from 'vitest';
import { extractRules } from './extract.ts';
import { PLANTED_OUTCOMES, plantedCase } from './planted.ts';

/**
 * The quality bar: from 300 samples of a noise-free planted conjunction of up to three conditions
 * over 3–6 fields with distractors, a candidate reaches at least 95 % held-out accuracy.
 */
describe('rule extraction on planted rules', () => {
  const cases = Array.from({ length: 24 }, (_, index) =>
    plantedCase({ seed: 1000 + index, samples: 300, relevant: 3 + (index % 4), distractors: 3, conditions: 1 + (index % 3), noise: 0 }),
  );

  it.each(cases.map((_, index) => index))('finds planted rule %i within 95 % held-out accuracy', async (index) => {
    const planted = cases[index]!;
    const result = await extractRules({ samples: planted.samples, outcomes: PLANTED_OUTCOMES, seed: 7 });
    const best = Math.max(...result.candidates.map((candidate) => candidate.score.accuracy));
    expect(best, `truth: ${planted.truth}; best: ${result.candidates[0]?.expression}`).toBeGreaterThanOrEqual(0.95);
  });

  it('holds up under 5 % label noise', async () => {
    const noisy = Array.from({ length: 10 }, (_, index) => plantedCase({ seed: 2000 + index, samples: 300, relevant: 4, distractors: 3, conditions: 2, noise: 0.05 }));
    const accuracies = await Promise.all(
      noisy.map(async (planted) => Math.max(...(await extractRules({ samples: planted.samples, outcomes: PLANTED_OUTCOMES, seed: 7 })).candidates.map((candidate) => candidate.score.accuracy))),
    );
    // The held-out labels are noisy too: 5 % of them disagree with any rule, the true one included.
    expect(accuracies.filter((accuracy) => accuracy >= 0.88).length).toBeGreaterThanOrEqual(9);
  });
});
