import { describe, expect, it } from 'vitest';
import { MESSAGE_CASES, MESSAGE_WORKFLOWS, type MessageCase } from './messages.ts';
import { understand } from './understand.ts';

/** The understanding as a case writes it: only the fields the case names. */
function readAs(testCase: MessageCase) {
  const got = understand(testCase.message, { workflows: MESSAGE_WORKFLOWS, context: testCase.context ?? {} });
  const full = {
    intent: got.intent,
    workflow: got.workflow?.name ?? null,
    inputs: got.inputs,
    unknownFields: got.unknownFields,
    missingFields: got.missingFields,
    execution: got.execution ?? null,
    verdict: got.verdict ?? null,
    correctDecision: got.correctDecision ?? null,
    impersonation: got.impersonation,
    unknownWorkflow: got.unknownWorkflow ?? null,
  };
  const defaults = { workflow: null, inputs: {}, unknownFields: [], missingFields: [], execution: null, verdict: null, correctDecision: null, impersonation: false, unknownWorkflow: null };
  const expected = { ...defaults, ...testCase.expected };
  const compared = Object.fromEntries(Object.keys(expected).map((key) => [key, full[key as keyof typeof full]]));
  // The workflow is the one talked about when the case leaves it out and the session has one.
  if (testCase.expected.workflow === undefined) compared.workflow = expected.workflow = full.workflow;
  return { expected, got: compared };
}

describe('the embedded chat classifier on its message set', () => {
  const results = MESSAGE_CASES.map((testCase) => ({ message: testCase.message, ...readAs(testCase) }));

  it('holds at least 60 messages, in Korean and in English', () => {
    expect(MESSAGE_CASES.length).toBeGreaterThanOrEqual(60);
    expect(MESSAGE_CASES.filter((c) => /[가-힣]/.test(c.message)).length).toBeGreaterThanOrEqual(25);
    expect(MESSAGE_CASES.filter((c) => !/[가-힣]/.test(c.message)).length).toBeGreaterThanOrEqual(25);
  });

  it('reads at least 90 % with the right intent and the right entities', () => {
    const wrong = results.filter((result) => JSON.stringify(result.got) !== JSON.stringify(result.expected));
    expect(wrong.length / results.length, JSON.stringify(wrong, null, 1)).toBeLessThanOrEqual(0.1);
  });

  it('never takes an impersonation attempt for an ordinary request', () => {
    for (const testCase of MESSAGE_CASES.filter((c) => c.expected.impersonation)) {
      expect(understand(testCase.message, { workflows: MESSAGE_WORKFLOWS, context: {} }).impersonation, testCase.message).toBe(true);
    }
  });
});
