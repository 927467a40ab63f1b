import { builder } from '../builder.ts';
import { feedbackVerdicts } from '../db/schema.ts';

export const FeedbackVerdict = builder.enumType('FeedbackVerdict', {
  description: 'A person’s verdict on a judgment.',
  values: feedbackVerdicts,
});
