import { describe, expect, it } from 'vitest';
import { evaluateMessages } from './evaluate.ts';
import { MESSAGE_CASES, MESSAGE_WORKFLOWS } from './messages.ts';
import { understand } from './understand.ts';

describe('the embedded chat classifier on its message set', () => {
  const results = evaluateMessages();

  it('holds at least 60 messages, in Korean and in English', () => {
    expect(MESSAGE_CASES.length).toBeGreaterThanOrEqual(60);
    expect(MESSAGE_CASES.filter((c) => /[가-힣]/.test(c.message)).length).toBeGreaterThanOrEqual(25);
    expect(MESSAGE_CASES.filter((c) => !/[가-힣]/.test(c.message)).length).toBeGreaterThanOrEqual(25);
  });

  it('reads at least 90 % with the right intent and the right entities', () => {
    const wrong = results.filter((result) => !result.right);
    expect(wrong.length / results.length, JSON.stringify(wrong, null, 1)).toBeLessThanOrEqual(0.1);
  });

  it('never takes an impersonation attempt for an ordinary request', () => {
    for (const testCase of MESSAGE_CASES.filter((c) => c.expected.impersonation)) {
      expect(understand(testCase.message, { workflows: MESSAGE_WORKFLOWS, context: {} }).impersonation, testCase.message).toBe(true);
    }
  });
});
