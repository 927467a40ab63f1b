import { builder } from '../builder.ts';

export const ChatRole = builder.enumType('ChatRole', {
  description: 'Who wrote a chat message.',
  values: {
    USER: { description: 'The person chatting.' },
    ASSISTANT: { description: 'Judgify, answering.' },
  } as const,
});
