import { validateInput, type InputProblem } from '@judgify/runtime/validation';
import { describe, expect, it } from 'vitest';
import { postChatMessageInput } from './chat-message.ts';

const sessionId = '0b6c7a51-4d7e-4a3f-9a55-2f7c1c1f9e01';

function problemsOf(input: unknown): InputProblem[] {
  try {
    validateInput(postChatMessageInput, input);
  } catch (error) {
    return (error as { extensions: { problems: InputProblem[] } }).extensions.problems;
  }
  return [];
}

describe('chat message input', () => {
  it('trims the content', () => {
    expect(validateInput(postChatMessageInput, { sessionId, content: '\n  why did line 3 stop?  \n' })).toEqual({
      sessionId,
      content: 'why did line 3 stop?',
    });
  });

  it('keeps the content within 1–4000 characters after trimming', () => {
    expect(problemsOf({ sessionId, content: ` ${'c'.repeat(4000)} ` })).toEqual([]);
    expect(problemsOf({ sessionId, content: ' \t\n ' })).toEqual([{ path: 'input.content', message: 'content must not be empty' }]);
    expect(problemsOf({ sessionId, content: 'c'.repeat(4001) })).toEqual([{ path: 'input.content', message: 'content must be at most 4000 characters' }]);
  });

  it('requires a session id', () => {
    expect(problemsOf({ content: 'hello' }).map((problem) => problem.path)).toEqual(['input.sessionId']);
  });
});
