import { exampleWorkflowDefinition } from '@judgify/runtime/testing';
import { describe, expect, it } from 'vitest';
import { validateWorkflowInput } from './workflow-input.ts';

const problemsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return (error as { extensions: { code: string; problems: unknown[] } }).extensions;
  }
  throw new Error('expected the input to be refused');
};

describe('workflow input', () => {
  it('accepts names in any script and trims them', () => {
    expect(validateWorkflowInput({ name: '  온도 감시_라인-3 ', definition: exampleWorkflowDefinition }, { partial: false })).toEqual({
      name: '온도 감시_라인-3',
      definition: exampleWorkflowDefinition,
    });
  });

  it('reports name, description and definition problems together, each with its path', () => {
    const result = problemsOf(() =>
      validateWorkflowInput({ name: 'a!', description: 'x'.repeat(501), definition: { ...exampleWorkflowDefinition, startNode: 'nope' } }, { partial: false }),
    );
    expect(result).toEqual({
      code: 'BAD_USER_INPUT',
      problems: [
        { path: 'input.name', message: 'name must be at least 3 characters' },
        { path: 'input.name', message: 'name may contain only letters, digits, spaces, "_" and "-"' },
        { path: 'input.description', message: 'description must be at most 500 characters' },
        { path: 'input.definition.startNode', message: 'no node has id "nope"' },
      ],
    });
  });

  it('checks only the fields an update gives, and lets it clear the description', () => {
    expect(validateWorkflowInput({ description: null }, { partial: true })).toEqual({ description: null });
    expect(validateWorkflowInput({}, { partial: true })).toEqual({});
    expect(problemsOf(() => validateWorkflowInput({ name: 'x'.repeat(51) }, { partial: true })).problems).toEqual([
      { path: 'input.name', message: 'name must be at most 50 characters' },
    ]);
  });

  it('uses the rule checker it is given', () => {
    const checkRule = () => ({ message: 'unexpected end of rule', line: 1, column: 12 });
    expect(problemsOf(() => validateWorkflowInput({ name: 'abc', definition: exampleWorkflowDefinition }, { partial: false, checkRule })).problems).toEqual([
      { path: 'input.definition.nodes[0].rule', message: 'does not parse (line 1, column 12): unexpected end of rule' },
    ]);
  });
});
