import { AppError } from '@judgify/runtime/errors';
import { hasRole, type Identity } from '@judgify/runtime/identity';
import { inputDataFrom } from '@judgify/workflow-definition/input-paths';
import { serviceOperation, type DelegatedRequest, type SupergraphClient, type SupergraphResult } from '@judgify/runtime/supergraph-client';
import type { Attachment, RoutedCall, SessionContext } from '../../db/schema.ts';
import { replies, type ExecutionFacts } from './replies.ts';
import type { Understanding } from './understand.ts';
import type { KnownWorkflow } from './workflow-fields.ts';

const operation = (name: string) => serviceOperation(new URL(`../../../operations/${name}.graphql`, import.meta.url));
const OPERATIONS = {
  ChatRunJudgment: { document: operation('chat-run-judgment'), service: 'judgment' },
  ChatExecution: { document: operation('chat-execution'), service: 'judgment' },
  ChatLatestExecution: { document: operation('chat-latest-execution'), service: 'judgment' },
  ChatRecordFeedback: { document: operation('chat-record-feedback'), service: 'learning' },
  ChatGenerateView: { document: operation('chat-generate-view'), service: 'bi' },
  ChatWorkflowInfo: { document: operation('chat-workflow-info'), service: 'workflow' },
  ChatWorkflows: { document: operation('chat-workflows'), service: 'workflow' },
} as const;
export type OperationName = keyof typeof OPERATIONS;

/** An answer and what it rests on: the calls made for it, the results it carries, what the conversation is now about. */
export interface Answer {
  text: string;
  calls: RoutedCall[];
  attachments: Attachment[];
  context: SessionContext;
}

/** Calls the supergraph as the user, recording each call (operation, service, entity ids, error) on the answer. */
export class Router {
  readonly calls: RoutedCall[] = [];

  constructor(
    private readonly supergraph: SupergraphClient,
    private readonly on: DelegatedRequest,
  ) {}

  async call<TData>(name: OperationName, variables: Record<string, unknown>, idsOf: (data: TData) => string[] = () => []): Promise<{ data?: TData; error?: { code: string; message: string } }> {
    const { document, service } = OPERATIONS[name];
    let result: SupergraphResult<TData>;
    try {
      result = await this.supergraph.execute<TData>(this.on, document, { variables, operationName: name });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      this.calls.push({ operation: name, service, entityIds: [], error: error.code });
      return { error: { code: error.code, message: error.message } };
    }
    const [first] = result.errors ?? [];
    if (first || result.data == null) {
      const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'DOWNSTREAM_SERVICE_ERROR';
      this.calls.push({ operation: name, service, entityIds: [], error: code });
      return { error: { code, message: first?.message ?? 'no data' } };
    }
    this.calls.push({ operation: name, service, entityIds: idsOf(result.data), error: null });
    return { data: result.data };
  }
}

interface ExecutionData extends ExecutionFacts {
  workflow: { id: string; name: string } | null;
}

/** The execution an answer is about: the one named, the conversation's last, or the newest (of the workflow talked about). */
async function executionFor(router: Router, understanding: Understanding, context: SessionContext): Promise<ExecutionData | { error: string } | undefined> {
  const id = understanding.execution && understanding.execution !== 'LAST' ? understanding.execution : context.executionId;
  if (id) {
    const found = await router.call<{ judgmentExecution: ExecutionData | null }>('ChatExecution', { id }, (data) => (data.judgmentExecution ? [data.judgmentExecution.id] : []));
    if (found.error) return { error: found.error.message };
    return found.data?.judgmentExecution ?? undefined;
  }
  const workflowId = understanding.workflow?.id;
  const latest = await router.call<{ judgmentExecutions: ExecutionData[] }>('ChatLatestExecution', { filter: workflowId ? { workflowId } : null }, (data) => data.judgmentExecutions.map((execution) => execution.id));
  if (latest.error) return { error: latest.error.message };
  return latest.data?.judgmentExecutions[0];
}

/**
 * Answers an understood message by calling the supergraph as the user: what it runs, reads or
 * records is exactly what the user may. Missing pieces get a question; nothing is guessed.
 */
export async function route(router: Router, actor: Identity, understanding: Understanding, workflows: readonly KnownWorkflow[], context: SessionContext, message: string): Promise<Answer> {
  const { language } = understanding;
  const answer = (text: string, more: Partial<Omit<Answer, 'text' | 'calls'>> = {}): Answer => ({
    text,
    calls: router.calls,
    attachments: more.attachments ?? [],
    context: { ...context, ...(understanding.workflow ? { workflowId: understanding.workflow.id, workflowName: understanding.workflow.name } : {}), ...more.context },
  });
  if (understanding.impersonation) return answer(replies.impersonation(language));
  if (understanding.unknownWorkflow && ['RUN_JUDGMENT', 'WORKFLOW_INFO'].includes(understanding.intent)) return answer(replies.unknownWorkflow(language, understanding.unknownWorkflow, workflows));

  switch (understanding.intent) {
    case 'HELP':
      return answer(replies.help(language));
    case 'RUN_JUDGMENT': {
      const { workflow } = understanding;
      if (!workflow) return answer(replies.whichWorkflow(language, workflows));
      if (understanding.unknownFields.length) return answer(replies.unknownFields(language, workflow, understanding.unknownFields));
      if (!Object.keys(understanding.inputs).length) return answer(replies.noValues(language, workflow));
      if (understanding.missingFields.length) return answer(replies.missingFields(language, workflow, understanding.missingFields));
      if (!hasRole(actor, 'operator')) return answer(replies.notAllowed(language, language === 'KO' ? '판단 실행' : 'Running a judgment'));
      const run = await router.call<{ executeJudgment: ExecutionFacts }>('ChatRunJudgment', { input: { workflowId: workflow.id, inputData: inputDataFrom(understanding.inputs) } }, (data) => [data.executeJudgment.id]);
      if (run.error) return answer(run.error.code === 'FORBIDDEN' ? replies.notAllowed(language, language === 'KO' ? '판단 실행' : 'Running a judgment') : replies.failed(language, language === 'KO' ? '판단' : 'run the judgment', run.error.message));
      const execution = run.data!.executeJudgment;
      return answer(replies.judged(language, workflow, execution), { attachments: [{ kind: 'JUDGMENT_EXECUTION', id: execution.id }], context: { executionId: execution.id } });
    }
    case 'EXPLAIN_DECISION': {
      const execution = await executionFor(router, understanding, context);
      if (!execution) return answer(replies.noExecution(language));
      if ('error' in execution) return answer(replies.failed(language, language === 'KO' ? '판단 조회' : 'read the judgment', execution.error));
      return answer(replies.explained(language, execution), { attachments: [{ kind: 'JUDGMENT_EXECUTION', id: execution.id }], context: { executionId: execution.id, ...(execution.workflow ? { workflowId: execution.workflow.id, workflowName: execution.workflow.name } : {}) } });
    }
    case 'GIVE_FEEDBACK': {
      if (!understanding.verdict) return answer(replies.whichVerdict(language));
      const execution = await executionFor(router, understanding, context);
      if (!execution) return answer(replies.noExecution(language));
      if ('error' in execution) return answer(replies.failed(language, language === 'KO' ? '판단 조회' : 'read the judgment', execution.error));
      const decisions = workflows.find((workflow) => workflow.id === execution.workflow?.id)?.decisions ?? [];
      if (understanding.verdict === 'INCORRECT' && !understanding.correctDecision) return answer(replies.whichDecision(language, decisions), { context: { executionId: execution.id } });
      if (!hasRole(actor, 'operator')) return answer(replies.notAllowed(language, language === 'KO' ? '피드백 기록' : 'Recording feedback'));
      const recorded = await router.call<{ recordFeedback: { id: string } }>(
        'ChatRecordFeedback',
        { input: { executionId: execution.id, verdict: understanding.verdict, correctDecision: understanding.verdict === 'INCORRECT' ? understanding.correctDecision : null } },
        (data) => [data.recordFeedback.id, execution.id],
      );
      if (recorded.error) return answer(replies.failed(language, language === 'KO' ? '피드백 기록' : 'record the feedback', recorded.error.message));
      return answer(replies.feedbackRecorded(language, execution, understanding.verdict, understanding.correctDecision), {
        attachments: [{ kind: 'FEEDBACK', id: recorded.data!.recordFeedback.id }, { kind: 'JUDGMENT_EXECUTION', id: execution.id }],
        context: { executionId: execution.id },
      });
    }
    case 'BUILD_VIEW': {
      const view = await router.call<{ generateView: { title: string; interpretation: string; query: string | null; suggestions: string[] } & Record<string, unknown> }>('ChatGenerateView', { prompt: message.slice(0, 1000), language });
      if (view.error) return answer(replies.failed(language, language === 'KO' ? '차트 생성' : 'build the chart', view.error.message));
      const generated = view.data!.generateView;
      return answer(replies.view(language, generated), { attachments: generated.query ? [{ kind: 'VIEW', view: generated }] : [] });
    }
    case 'WORKFLOW_INFO': {
      const { workflow } = understanding;
      if (!workflow) return answer(replies.whichWorkflow(language, workflows));
      const info = await router.call<{ workflow: { description?: string | null; isActive: boolean; version: number; successRate?: number | null; avgExecutionTimeMs?: number | null; definition: { nodes?: Array<{ rule?: string }> } } | null }>(
        'ChatWorkflowInfo',
        { id: workflow.id },
        (data) => (data.workflow ? [workflow.id] : []),
      );
      if (info.error || !info.data?.workflow) return answer(replies.failed(language, language === 'KO' ? '워크플로 조회' : 'read the workflow', info.error?.message ?? 'not found'));
      const details = info.data.workflow;
      const rules = (details.definition.nodes ?? []).flatMap((node) => (typeof node.rule === 'string' ? [node.rule] : []));
      return answer(replies.workflowInfo(language, workflow, { ...details, rules }), { attachments: [{ kind: 'WORKFLOW', id: workflow.id }] });
    }
  }
}
