import { validateInput, type InputProblem } from '@judgify/runtime/validation';
import { describe, expect, it } from 'vitest';
import { createChatSessionInput } from './chat-session.ts';

function problemsOf(input: unknown): InputProblem[] {
  try {
    validateInput(createChatSessionInput, input);
  } catch (error) {
    return (error as { extensions: { problems: InputProblem[] } }).extensions.problems;
  }
  return [];
}

describe('chat session input', () => {
  it('trims the title and leaves an omitted title to the default', () => {
    expect(validateInput(createChatSessionInput, { title: '  Line 3 alarms ' })).toEqual({ title: 'Line 3 alarms' });
    expect(validateInput(createChatSessionInput, {}).title).toBeUndefined();
    expect(validateInput(createChatSessionInput, { title: null }).title).toBeNull();
  });

  it('keeps the title within 1–120 characters', () => {
    expect(problemsOf({ title: 't'.repeat(120) })).toEqual([]);
    expect(problemsOf({ title: '   ' })).toEqual([{ path: 'input.title', message: 'title must not be empty' }]);
    expect(problemsOf({ title: 't'.repeat(121) })).toEqual([{ path: 'input.title', message: 'title must be at most 120 characters' }]);
  });
});
