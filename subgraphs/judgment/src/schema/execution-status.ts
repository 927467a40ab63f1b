import { builder } from '../builder.ts';
import { executionStatuses } from '../db/schema.ts';

export const ExecutionStatus = builder.enumType('ExecutionStatus', {
  description: 'Whether the workflow ran to a decision.',
  values: executionStatuses,
});
