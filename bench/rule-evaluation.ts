import { compileRule } from '@judgify/rule-language/compile';
import { Engine } from 'json-rules-engine';

const RULE = 'temperature > 80 AND vibration > 50';
const INPUTS = [
  { temperature: 90, vibration: 60 },
  { temperature: 70, vibration: 60 },
  { temperature: 95, vibration: 40 },
  { temperature: 85 },
];

function perSecond(iterations: number, run: () => void): number {
  run();
  const started = performance.now();
  for (let round = 0; round < iterations; round++) run();
  return iterations / ((performance.now() - started) / 1000);
}

async function perSecondAsync(iterations: number, run: () => Promise<unknown>): Promise<number> {
  await run();
  const started = performance.now();
  for (let round = 0; round < iterations; round++) await run();
  return iterations / ((performance.now() - started) / 1000);
}

const format = (rate: number) => `${Math.round(rate).toLocaleString('en-US').padStart(14)} evaluations/s`;

/** The spec's example rule, compiled once, against the same rule in json-rules-engine. */
export async function benchRuleEvaluation(): Promise<string> {
  const compiled = compileRule(RULE);
  let index = 0;
  let decided = 0;
  const judgify = perSecond(4_000_000, () => {
    if (compiled.evaluate(INPUTS[index++ & 3]).decided) decided++;
  });
  const parseEachTime = perSecond(200_000, () => {
    if (compileRule(RULE).evaluate(INPUTS[index++ & 3]).decided) decided++;
  });

  const engine = new Engine([], { allowUndefinedFacts: true });
  engine.addRule({
    conditions: {
      all: [
        { fact: 'temperature', operator: 'greaterThan', value: 80 },
        { fact: 'vibration', operator: 'greaterThan', value: 50 },
      ],
    },
    event: { type: 'STOP_LINE' },
  });
  const jsonRules = await perSecondAsync(40_000, async () => {
    const { events } = await engine.run({ ...INPUTS[index++ & 3] });
    if (events.length) decided++;
  });
  if (!decided) throw new Error('no rule was ever decided');

  return [
    `rule: ${RULE} (4 inputs in turn, one with a missing field)`,
    `judgify rule language, compiled once   ${format(judgify)}`,
    `judgify, parse + compile every time     ${format(parseEachTime)}`,
    `json-rules-engine ${'7'.padEnd(21)}${format(jsonRules)}`,
    `compiled judgify / json-rules-engine: ${(judgify / jsonRules).toFixed(0)}×`,
  ].join('\n');
}
