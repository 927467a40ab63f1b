import { validateInput } from '@judgify/runtime/validation';
import { describe, expect, it } from 'vitest';
import { recordFeedbackInput } from './feedback.ts';

const executionId = '3f2b1c1e-8a1d-4c55-9d4e-0f6b7a1c2d3e';

const problemsOf = (input: unknown) => {
  try {
    validateInput(recordFeedbackInput, input);
    return [];
  } catch (error) {
    return (error as { extensions: { problems: Array<{ path: string; message: string }> } }).extensions.problems;
  }
};

describe('recordFeedbackInput', () => {
  it('accepts a CORRECT verdict with or without a comment', () => {
    expect(validateInput(recordFeedbackInput, { executionId, verdict: 'CORRECT' })).toEqual({
      executionId,
      verdict: 'CORRECT',
      correctDecision: null,
      comment: null,
    });
    expect(validateInput(recordFeedbackInput, { executionId, verdict: 'CORRECT', comment: ' fine ' }).comment).toBe('fine');
  });

  it('accepts an INCORRECT verdict that gives the right decision', () => {
    const valid = validateInput(recordFeedbackInput, { executionId, verdict: 'INCORRECT', correctDecision: ' OK ' });
    expect(valid.correctDecision).toBe('OK');
  });

  it('requires the right decision on an INCORRECT verdict, blank counting as missing', () => {
    for (const correctDecision of [undefined, null, '', '   ']) {
      expect(problemsOf({ executionId, verdict: 'INCORRECT', correctDecision })).toEqual([
        { path: 'input.correctDecision', message: expect.stringContaining('required when the verdict is INCORRECT') },
      ]);
    }
  });

  it('refuses a right decision on a CORRECT verdict but lets a blank one through as nothing', () => {
    expect(problemsOf({ executionId, verdict: 'CORRECT', correctDecision: 'STOP_LINE' })).toEqual([
      { path: 'input.correctDecision', message: expect.stringContaining('only for INCORRECT') },
    ]);
    expect(validateInput(recordFeedbackInput, { executionId, verdict: 'CORRECT', correctDecision: ' ' }).correctDecision).toBeNull();
  });

  it('limits the right decision to 200 characters and the comment to 1000', () => {
    expect(problemsOf({ executionId, verdict: 'INCORRECT', correctDecision: 'x'.repeat(200), comment: 'c'.repeat(1000) })).toEqual([]);
    expect(problemsOf({ executionId, verdict: 'INCORRECT', correctDecision: 'x'.repeat(201), comment: 'c'.repeat(1001) })).toEqual([
      { path: 'input.correctDecision', message: 'correctDecision must be at most 200 characters' },
      { path: 'input.comment', message: 'comment must be at most 1000 characters' },
    ]);
  });

  it('reports a malformed execution id together with every other problem', () => {
    expect(problemsOf({ executionId: 'execution-1', verdict: 'INCORRECT', comment: 'c'.repeat(1001) }).map((p) => p.path)).toEqual([
      'input.executionId',
      'input.comment',
      'input.correctDecision',
    ]);
  });
});
