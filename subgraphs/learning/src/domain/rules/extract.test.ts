import { createLlmClient } from '@judgify/runtime/llm';
import { silentLogger } from '@judgify/runtime/testing';
import { startOpenAiTestServer } from '@judgify/runtime/testing/openai-server';
import { describe, expect, it } from 'vitest';
import { conjunctionText, thresholdBetween } from './conditions.ts';
import { exampleOf, scoreRule, stratifiedSplit } from './dataset.ts';
import { decisionTreeRules } from './decision-tree.ts';
import { extractRules, ExtractionRefused } from './extract.ts';
import { frequencyRules } from './frequency.ts';

/** The spec's example: the line stops when it runs hot and shakes. */
const lineSamples = Array.from({ length: 200 }, (_, index) => {
  const temperature = 40 + ((index * 37) % 80);
  const vibration = 10 + ((index * 53) % 90);
  const line = ['L1', 'L2', 'L3'][index % 3]!;
  return { input: { temperature, vibration, line, sensor: { id: `S${index % 7}` } }, label: temperature > 80 && vibration > 50 ? 'STOP_LINE' : 'OK' };
});
const outcomes = { STOP_LINE: 'true', OK: 'false' };
const examples = lineSamples.map((sample) => exampleOf(sample.input, sample.label === 'STOP_LINE'));

describe('conditions', () => {
  it('put thresholds on round numbers between neighbouring values', () => {
    expect(thresholdBetween(79, 81)).toBe(80);
    expect(thresholdBetween(79.2, 81)).toBe(80);
    expect(thresholdBetween(0.31, 0.34)).toBe(0.32);
    expect(thresholdBetween(5, 5.0001)).toBe(5);
  });

  it('simplify conjunctions on one field and write strings safely', () => {
    expect(conjunctionText([{ field: 'x', op: '>', value: 3 }, { field: 'x', op: '>', value: 5 }, { field: 'y', op: '<=', value: 7 }, { field: 'y', op: '<=', value: 4 }])).toBe('x > 5 AND y <= 4');
    expect(conjunctionText([{ field: 'name', op: '==', value: "it's" }])).toBe("name == 'it\\'s'");
  });
});

describe('the split and the scores', () => {
  it('holds out 30 % of each class, the same way for the same seed', () => {
    const first = stratifiedSplit(examples, 42);
    expect(first.test.length + first.train.length).toBe(examples.length);
    const positives = examples.filter((example) => example.positive).length;
    expect(first.test.filter((example) => example.positive).length).toBe(Math.round(positives * 0.3));
    expect(stratifiedSplit(examples, 42).test.map((example) => example.input)).toEqual(first.test.map((example) => example.input));
    expect(stratifiedSplit(examples, 43).test.map((example) => example.input)).not.toEqual(first.test.map((example) => example.input));
  });

  it('scores a rule by precision, negative predictive value, recall, F1, accuracy and support', () => {
    expect(scoreRule('temperature > 80 AND vibration > 50', examples)).toMatchObject({ precision: 1, recall: 1, f1: 1, accuracy: 1 });
    const loose = scoreRule('temperature > 80', examples);
    expect(loose.precision).toBeLessThan(1);
    expect(loose.recall).toBe(1);
    expect(loose.support).toBe(examples.filter((example) => (example.input.temperature as number) > 80).length);
    // Loose, it misses no positive: when it says false, it is right.
    expect(loose.negativePredictiveValue).toBe(1);
    const strict = scoreRule('temperature > 80 AND vibration > 50 AND line == "L3"', examples);
    expect(strict.precision).toBe(1);
    expect(strict.negativePredictiveValue).toBeLessThan(1);
  });
});

describe('the algorithms', () => {
  it('frequency analysis finds the conjunction', () => {
    const [best] = frequencyRules(examples);
    expect(scoreRule(best!.expression, examples).accuracy).toBe(1);
    expect(best!.expression).toMatch(/^(temperature > 8\d AND vibration > 5\d|vibration > 5\d AND temperature > 8\d)$/);
  });

  it('a decision tree turns its positive paths into rules', () => {
    const rules = decisionTreeRules(examples);
    expect(scoreRule(rules[0]!.expression, examples).accuracy).toBe(1);
    expect(rules[0]!.expression).toContain('AND');
  });

  it('extraction refuses too few samples or a single class, saying how many it has', async () => {
    await expect(extractRules({ samples: lineSamples.slice(0, 10), outcomes, seed: 1 })).rejects.toThrow(ExtractionRefused);
    await expect(extractRules({ samples: lineSamples.slice(0, 10), outcomes, seed: 1 })).rejects.toThrow(
      /needs at least 20 labelled samples with at least 5 of each outcome; this node has 10 \(\d+ "true", \d+ "false"\)/,
    );
    const onlyOk = lineSamples.filter((sample) => sample.label === 'OK');
    await expect(extractRules({ samples: onlyOk, outcomes, seed: 1 })).rejects.toThrow(`All ${onlyOk.length} labelled samples of this node mean "false"`);
  });

  it('scores every candidate on held-out samples only, and says what it skipped', async () => {
    const result = await extractRules({ samples: lineSamples, outcomes, seed: 5 });
    expect(result.split).toMatchObject({ seed: 5, trainCount: 140, testCount: 60, positiveLabels: ['STOP_LINE'], negativeLabels: ['OK'], excluded: 0 });
    expect(result.candidates[0]?.score.accuracy).toBe(1);
    expect(new Set(result.candidates.map((candidate) => candidate.expression)).size).toBe(result.candidates.length);
    expect(result.notes).toEqual([{ algorithm: 'LLM_PATTERN', message: 'skipped: no LLM is configured' }]);
  });

  it('with an LLM, scores its parsable proposals and drops the rest with a note', async () => {
    const server = await startOpenAiTestServer();
    try {
      server.respondWith(() => ({
        content: JSON.stringify({
          rules: [
            { expression: 'temperature > 80 AND vibration > 50', rationale: 'hot and shaking' },
            { expression: 'temperature >> 80', rationale: 'typo' },
            { expression: 'line == "L3"', rationale: 'a guess' },
          ],
        }),
      }));
      const llm = createLlmClient({ baseUrl: server.baseUrl, model: 'rules-test', logger: silentLogger, maxRetries: 0, timeoutMs: 2_000 });
      const result = await extractRules({ samples: lineSamples, outcomes, seed: 5, llm });
      const fromLlm = result.candidates.filter((candidate) => candidate.algorithm === 'LLM_PATTERN').map((candidate) => candidate.expression);
      expect(fromLlm).toContain('line == "L3"');
      expect(result.notes).toEqual([{ algorithm: 'LLM_PATTERN', message: expect.stringMatching(/^dropped a proposal: "temperature >> 80" does not parse: /) }]);
      expect(JSON.stringify(server.requests.at(-1))).toContain('POSITIVE');
    } finally {
      await server.close();
    }
  });
});
