import type { ChatIntent, SessionContext } from '../../db/schema.ts';
import { CORRECT_WORDS, FIELD_SYNONYMS, IMPERSONATION, INCORRECT_WORDS, INTENT_WORDS, LAST_EXECUTION } from './lexicon.ts';
import type { KnownWorkflow } from './workflow-fields.ts';

/** What a message asks, with everything its intent needs that the message (or the conversation) gives. */
export interface Understanding {
  intent: ChatIntent;
  language: 'KO' | 'EN';
  workflow?: KnownWorkflow;
  /** A workflow the message names that the user has none of. */
  unknownWorkflow?: string;
  /** Input values mapped onto the workflow's rule fields. */
  inputs: Record<string, number | boolean | string>;
  /** Words given values that are none of the workflow's fields. */
  unknownFields: string[];
  /** Rule fields the judgment needs that the message does not give. */
  missingFields: string[];
  /** An execution id named, or `LAST` for "the last one". */
  execution?: string | 'LAST';
  verdict?: 'CORRECT' | 'INCORRECT';
  correctDecision?: string;
  /** Asking to act as another user, role or tenant. */
  impersonation: boolean;
}

const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;
const normalize = (text: string) => text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
const compact = (text: string) => normalize(text).replace(/[\s\-_]+/g, '');

/** "3번 라인" is "line 3", "라인3", "Line 3": forms a name may take, to find the workflow. */
function nameForms(text: string): string[] {
  const forms = [text];
  forms.push(text.replace(/(\d+)\s*번\s*(라인|line)/g, 'line $1'), text.replace(/(\d+)\s*번\s*(라인|line)/g, '라인 $1'), text.replace(/(\d+)\s*번\s*(라인|line)/g, '$1번라인'));
  forms.push(text.replace(/라인/g, 'line'), text.replace(/\bline\b/g, '라인'));
  return forms.map(compact);
}

function findWorkflow(text: string, workflows: readonly KnownWorkflow[]): KnownWorkflow | undefined {
  const id = UUID.exec(text)?.[0];
  const byId = id && workflows.find((workflow) => workflow.id.toLowerCase() === id.toLowerCase());
  if (byId) return byId;
  const forms = nameForms(normalize(text));
  return workflows
    .filter((workflow) => compact(workflow.name).length >= 2 && forms.some((form) => form.includes(compact(workflow.name))))
    .sort((a, b) => compact(b.name).length - compact(a.name).length)[0];
}

/** A workflow reference that matches none: "the Paint Shop workflow", "도장 워크플로". */
function workflowReference(text: string): string | undefined {
  const quoted = /["“'‘「]([^"”'’」]{2,80})["”'’」]/.exec(text)?.[1];
  if (quoted && /workflow|워크플로/.test(text)) return quoted;
  const english = /\b(?:the |workflow )?([a-z0-9][\w-]*(?: [a-z0-9][\w-]*){0,2}) workflow\b/.exec(text)?.[1];
  if (english && !/^(the|a|this|that|my|which|what|each|every|any)$/.test(english)) return english.replace(/^(the|for|of|in|on|run|about) /, '');
  return /(\S+) ?워크플로/.exec(text)?.[1]?.replace(/(의|에서|를|을|은|는|이|가|로)$/, '');
}

const NUMBER = '(-?\\d+(?:\\.\\d+)?)';
const FILLER = new Set(['at', 'with', 'and', 'of', 'is', 'to', 'for', 'by', 'on', 'about', 'around', 'be', 'was', 'are', 'when', 'if', 'then', 'as', 'the', 'a']);

/** "온도 90", "temperature 90", "temperature is 90", "temp=90", "vibration: 60", "90도"-style units dropped. */
function valuePairs(text: string): Array<{ word: string; value: number | boolean }> {
  const pairs: Array<{ word: string; value: number | boolean }> = [];
  const pattern = new RegExp(`([a-z_][\\w.]*|[가-힣]+)\\s*(?:(?:is|of|at|=|:|가|이|은|는|를|을)\\s*)?(?<![\\w.])${NUMBER}(?!\\s*(?:일|시간|주|개월|달|분|days?|hours?|weeks?|months?|minutes?)(?![a-z]))(?:도|℃|°c?|%|점|개|회|원|(?:mm|kg|v|a)(?![a-z]))?`, 'g');
  for (const match of text.matchAll(pattern)) {
    const word = match[1]!.replace(/(이|가|은|는|를|을)$/, '');
    if (/^\d/.test(word) || ['line', '라인', '번', 'last', 'top', 'first'].includes(word)) continue;
    // "at 88 degrees": a filler word before the number; the unit, if any, says which field.
    const afterNumber = match.index + match[0].indexOf(match[2]!, match[1]!.length) + match[2]!.length;
    const unit = /^\s*(degrees?|도|℃|°c?|volts?|v(?![a-z]))/.exec(text.slice(afterNumber))?.[1];
    if (FILLER.has(word)) {
      if (unit) pairs.push({ word: /^(v|volt)/.test(unit) ? 'voltage' : 'temperature', value: Number(match[2]) });
      continue;
    }
    pairs.push({ word, value: Number(match[2]) });
  }
  for (const match of text.matchAll(/([a-z_][\w.]*)\s*(?:is|=|:)\s*(true|false)\b/g)) pairs.push({ word: match[1]!, value: match[2] === 'true' });
  return pairs;
}

/** The rule field a word names: itself, a known synonym ("온도" → temperature), or a field it starts. */
function fieldFor(word: string, fields: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exact = fields.find((field) => field.toLowerCase() === lower || field.toLowerCase().split('.').at(-1) === lower);
  if (exact) return exact;
  for (const field of fields) {
    const leaf = field.toLowerCase().split('.').at(-1)!;
    if ((FIELD_SYNONYMS[leaf] ?? []).includes(lower)) return field;
  }
  return fields.find((field) => lower.length >= 3 && field.toLowerCase().startsWith(lower));
}

/** The decision feedback says was right: "should have been OK", "OK여야 해", or the one decision of the workflow named. */
function correctDecisionIn(original: string, workflow: KnownWorkflow | undefined): string | undefined {
  const decisions = workflow?.decisions ?? [];
  const canonical = (word: string) => decisions.find((decision) => decision.toLowerCase() === word.toLowerCase()) ?? word;
  const named = /\bshould (?:have been|be|'ve been) ([A-Za-z_][\w-]*)|\b(?:it was|actually|really) ([A-Z_][A-Z0-9_-]*)\b|([A-Za-z_][\w-]*) ?(?:이어야|여야|였어야|이었어야|가 맞|이 맞|으로 판단했어야|로 판단했어야|가 정답|이 정답)/.exec(original);
  const word = named?.[1] ?? named?.[2] ?? named?.[3];
  if (word) return canonical(word);
  const mentioned = decisions.filter((decision) => new RegExp(`(^|[^\\w])${decision.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`, 'i').test(original));
  return mentioned.length === 1 ? mentioned[0] : undefined;
}

/**
 * The embedded classifier: an intent and its entities from a Korean or English message, with the
 * session's context for "it" and "the last one". It never fills a gap with a guess: what is
 * missing is left out for the assistant to ask about.
 */
export function understand(message: string, options: { workflows: readonly KnownWorkflow[]; context: SessionContext }): Understanding {
  const text = normalize(message);
  const language = /[가-힣]/.test(message) ? 'KO' : 'EN';
  const named = findWorkflow(text, options.workflows);
  const fromContext = options.context.workflowId ? options.workflows.find((workflow) => workflow.id === options.context.workflowId) : undefined;
  const reference = named ? undefined : workflowReference(text);
  const workflow = named ?? (reference ? undefined : fromContext);

  const pairs = valuePairs(text.replace(UUID, ' '));
  const inputs: Record<string, number | boolean | string> = {};
  const unknownFields: string[] = [];
  for (const { word, value } of pairs) {
    const field = workflow ? fieldFor(word, workflow.fields) : undefined;
    if (field) inputs[field] = value;
    else unknownFields.push(word);
  }
  const id = UUID.exec(text)?.[0];
  const execution = id && !options.workflows.some((known) => known.id === id) ? id : LAST_EXECUTION.test(text) ? 'LAST' : undefined;
  const hasValues = pairs.length > 0;
  const mapped = Object.keys(inputs).length > 0;

  let intent: ChatIntent;
  if (INTENT_WORDS.feedback.test(text) && (execution || options.context.executionId) && !INTENT_WORDS.explain.test(text)) intent = 'GIVE_FEEDBACK';
  else if (INTENT_WORDS.explain.test(text) && !hasValues && !/\b(workflow|rules?)\b|워크플로|규칙/.test(text)) intent = 'EXPLAIN_DECISION';
  else if (mapped || (hasValues && !INTENT_WORDS.view.test(text)) || (INTENT_WORDS.run.test(text) && !INTENT_WORDS.view.test(text) && !INTENT_WORDS.info.test(text))) intent = 'RUN_JUDGMENT';
  else if (INTENT_WORDS.view.test(text)) intent = 'BUILD_VIEW';
  else if (INTENT_WORDS.explain.test(text)) intent = 'EXPLAIN_DECISION';
  else if ((named || reference || fromContext) && INTENT_WORDS.info.test(text)) intent = 'WORKFLOW_INFO';
  else if (named || reference) intent = 'WORKFLOW_INFO';
  else intent = 'HELP';

  const verdict = intent === 'GIVE_FEEDBACK' ? (INCORRECT_WORDS.test(text) ? 'INCORRECT' : CORRECT_WORDS.test(text) ? 'CORRECT' : undefined) : undefined;
  const missingFields = intent === 'RUN_JUDGMENT' && workflow ? workflow.fields.filter((field) => !(field in inputs)) : [];
  return {
    intent,
    language,
    workflow,
    unknownWorkflow: reference && !named ? reference : undefined,
    inputs,
    unknownFields: intent === 'RUN_JUDGMENT' ? unknownFields : [],
    missingFields,
    execution: intent === 'EXPLAIN_DECISION' || intent === 'GIVE_FEEDBACK' ? (execution ?? undefined) : undefined,
    verdict,
    correctDecision: verdict === 'INCORRECT' ? correctDecisionIn(message, workflow) : undefined,
    impersonation: IMPERSONATION.test(text),
  };
}
