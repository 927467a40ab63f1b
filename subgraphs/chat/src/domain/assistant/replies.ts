import type { KnownWorkflow } from './workflow-fields.ts';

type Language = 'KO' | 'EN';
const pick = (language: Language, ko: string, en: string) => (language === 'KO' ? ko : en);
const list = (items: readonly string[]) => items.map((item) => `“${item}”`).join(', ');
const percent = (value: number | null | undefined) => (typeof value === 'number' ? `${(value * 100).toFixed(1)}%` : '–');

export interface ExecutionFacts {
  id: string;
  status: string;
  decision: string;
  confidence: number;
  explanation: string;
  methodUsed: string;
  inputData?: Record<string, unknown>;
  workflow?: { name: string } | null;
}

/** The assistant's answers, in the asker's language: composed from what the routed calls returned, never invented. */
export const replies = {
  help: (language: Language) =>
    pick(
      language,
      '무엇을 도와드릴까요? 예: "3번 라인 온도 90 진동 60이면 어떻게 돼?", "마지막 판단은 왜 STOP_LINE이야?", "그 판단은 틀렸어, OK여야 해", "지난 주 성공률 차트 보여줘", "Line 3 워크플로는 어떤 규칙이야?"',
      'How can I help? For example: "run Line 3 with temperature 90 and vibration 60", "why was the last judgment STOP_LINE?", "that one was wrong, it should be OK", "success rate by day last week", "what does the Line 3 workflow check?"',
    ),
  impersonation: (language: Language) =>
    pick(language, '다른 사용자·역할·테넌트로 행동할 수는 없습니다. 저는 항상 당신의 권한으로만, 당신의 테넌트 안에서만 일합니다. 아무것도 실행하지 않았습니다.', 'I can’t act as another user, role or tenant: I only ever work with your own roles, in your own tenant. Nothing was run.'),
  whichWorkflow: (language: Language, workflows: readonly KnownWorkflow[]) =>
    workflows.length
      ? pick(language, `어느 워크플로인가요? ${list(workflows.slice(0, 10).map((w) => w.name))}`, `Which workflow? ${list(workflows.slice(0, 10).map((w) => w.name))}`)
      : pick(language, '아직 워크플로가 없습니다. 먼저 워크플로를 만들어 주세요.', 'You have no workflows yet: create one first.'),
  unknownWorkflow: (language: Language, name: string, workflows: readonly KnownWorkflow[]) =>
    pick(language, `“${name}” 워크플로를 찾을 수 없습니다.`, `I can’t find a workflow named “${name}”.`) +
    (workflows.length ? pick(language, ` 있는 워크플로: ${list(workflows.slice(0, 10).map((w) => w.name))}`, ` Yours are: ${list(workflows.slice(0, 10).map((w) => w.name))}`) : ''),
  unknownFields: (language: Language, workflow: KnownWorkflow, words: readonly string[]) =>
    pick(
      language,
      `${list(words)}은(는) “${workflow.name}”의 입력 항목이 아닙니다. 입력 항목: ${list(workflow.fields)}. 아무것도 실행하지 않았습니다.`,
      `${list(words)} ${words.length > 1 ? 'are' : 'is'} not an input of “${workflow.name}”; its inputs are ${list(workflow.fields)}. Nothing was run.`,
    ),
  missingFields: (language: Language, workflow: KnownWorkflow, fields: readonly string[]) =>
    pick(language, `“${workflow.name}”을(를) 판단하려면 ${list(fields)} 값도 필요합니다. 알려 주세요.`, `To judge with “${workflow.name}” I also need ${list(fields)}. What are they?`),
  noValues: (language: Language, workflow: KnownWorkflow) =>
    pick(language, `“${workflow.name}”을(를) 어떤 값으로 판단할까요? 입력 항목: ${list(workflow.fields)}`, `What values should I judge with “${workflow.name}”? Its inputs are ${list(workflow.fields)}.`),
  notAllowed: (language: Language, what: string) =>
    pick(language, `${what}에는 operator 권한이 필요합니다. 지금 권한으로는 할 수 없어 아무것도 실행하지 않았습니다.`, `${what} needs the operator role, which you don’t have, so nothing was run.`),
  judged: (language: Language, workflow: KnownWorkflow, execution: ExecutionFacts) =>
    execution.status === 'SUCCEEDED'
      ? pick(
          language,
          `“${workflow.name}” 판단 결과: ${execution.decision} (신뢰도 ${percent(execution.confidence)}, ${execution.methodUsed}). ${execution.explanation}`,
          `“${workflow.name}” decided ${execution.decision} (confidence ${percent(execution.confidence)}, by ${execution.methodUsed}). ${execution.explanation}`,
        )
      : pick(language, `“${workflow.name}” 판단이 실패했습니다: ${execution.explanation}`, `The “${workflow.name}” judgment failed: ${execution.explanation}`),
  explained: (language: Language, execution: ExecutionFacts) =>
    pick(
      language,
      `${execution.workflow?.name ? `“${execution.workflow.name}”의 ` : ''}판단 ${execution.id.slice(0, 8)}은(는) ${execution.decision}였습니다 (신뢰도 ${percent(execution.confidence)}, ${execution.methodUsed}). 이유: ${execution.explanation}${execution.inputData ? ` 입력: ${JSON.stringify(execution.inputData)}` : ''}`,
      `${execution.workflow?.name ? `“${execution.workflow.name}” ` : ''}judgment ${execution.id.slice(0, 8)} decided ${execution.decision} (confidence ${percent(execution.confidence)}, by ${execution.methodUsed}) because: ${execution.explanation}${execution.inputData ? ` Input: ${JSON.stringify(execution.inputData)}` : ''}`,
    ),
  noExecution: (language: Language) => pick(language, '어느 판단인지 찾을 수 없습니다. 판단 ID를 알려 주거나 먼저 판단을 실행해 주세요.', 'I can’t find that judgment: give me its id, or run one first.'),
  whichVerdict: (language: Language) => pick(language, '그 판단이 맞았나요, 틀렸나요?', 'Was that judgment correct or wrong?'),
  whichDecision: (language: Language, decisions: readonly string[]) =>
    pick(language, `어떤 결정이 맞았나요?${decisions.length ? ` (${list(decisions)})` : ''}`, `What should the decision have been?${decisions.length ? ` (${list(decisions)})` : ''}`),
  feedbackRecorded: (language: Language, execution: ExecutionFacts, verdict: string, correctDecision?: string) =>
    verdict === 'CORRECT'
      ? pick(language, `판단 ${execution.id.slice(0, 8)}(${execution.decision})이 맞았다고 기록했습니다. 고맙습니다.`, `Recorded: judgment ${execution.id.slice(0, 8)} (${execution.decision}) was correct. Thank you.`)
      : pick(language, `판단 ${execution.id.slice(0, 8)}(${execution.decision})이 틀렸고 ${correctDecision}이 맞다고 기록했습니다. 학습에 쓰입니다.`, `Recorded: judgment ${execution.id.slice(0, 8)} (${execution.decision}) was wrong; it should have been ${correctDecision}. It will be learned from.`),
  view: (language: Language, view: { title: string; interpretation: string; query: string | null; suggestions?: string[] }) =>
    view.query
      ? pick(language, `${view.title}: ${view.interpretation}. 차트를 첨부했습니다.`, `${view.title}: ${view.interpretation}. The chart is attached.`)
      : `${view.interpretation}${view.suggestions?.length ? pick(language, ` 예: ${list(view.suggestions)}`, ` Try: ${list(view.suggestions)}`) : ''}`,
  workflowInfo: (language: Language, workflow: KnownWorkflow, info: { description?: string | null; isActive: boolean; version: number; successRate?: number | null; avgExecutionTimeMs?: number | null; rules: string[] }) =>
    pick(
      language,
      `“${workflow.name}” (버전 ${info.version}${info.isActive ? '' : ', 비활성'})${info.description ? `: ${info.description}` : ''}. 규칙: ${info.rules.join('; ') || '없음'}. 입력 항목: ${list(workflow.fields)}. 결정: ${list(workflow.decisions)}. 성공률 ${percent(info.successRate)}, 평균 ${info.avgExecutionTimeMs?.toFixed(1) ?? '–'} ms.`,
      `“${workflow.name}” (version ${info.version}${info.isActive ? '' : ', inactive'})${info.description ? `: ${info.description}` : ''}. Rules: ${info.rules.join('; ') || 'none'}. Inputs: ${list(workflow.fields)}. Decisions: ${list(workflow.decisions)}. Success rate ${percent(info.successRate)}, average ${info.avgExecutionTimeMs?.toFixed(1) ?? '–'} ms.`,
    ),
  failed: (language: Language, what: string, reason: string) => pick(language, `${what}을(를) 할 수 없었습니다: ${reason}`, `I couldn’t ${what}: ${reason}`),
};
