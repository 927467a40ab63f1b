import { inputDataFrom } from '@judgify/workflow-definition/input-paths';
import { useState } from 'preact/hooks';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { language, messages } from '../i18n.ts';
import { operations, type Judgment, type WorkflowSummary } from '../operations.ts';
import { mutate, useQuery } from '../use-query.ts';
import { useSubscription } from '../use-subscription.ts';

const FEED_LENGTH = 100;
const METHODS = ['HYBRID', 'RULE', 'LLM'] as const;

const prepend = (feed: Judgment[] | undefined, event: { judgmentCompleted: Judgment }) => [event.judgmentCompleted, ...(feed ?? [])].slice(0, FEED_LENGTH);

/** A form value as JSON: numbers and booleans as such when they read back the same ("007" stays text), anything else as text. */
function valueOf(raw: string): unknown {
  const trimmed = raw.trim();
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  if (trimmed !== '' && String(Number(trimmed)) === trimmed) return Number(trimmed);
  return raw;
}

function JudgmentForm({ workflow }: { workflow: WorkflowSummary }) {
  const text = messages(language.value);
  const [values, setValues] = useState<Record<string, string>>({});
  const [json, setJson] = useState('{}');
  const [method, setMethod] = useState<(typeof METHODS)[number]>('HYBRID');
  const [outcome, setOutcome] = useState<{ status: 'idle' | 'running' } | { status: 'error'; error: unknown } | { status: 'done'; message: string }>({ status: 'idle' });

  async function run(event: Event) {
    event.preventDefault();
    let inputData: unknown;
    if (workflow.inputFields.length) {
      inputData = inputDataFrom(Object.fromEntries(workflow.inputFields.filter((field) => (values[field] ?? '') !== '').map((field) => [field, valueOf(values[field]!)])));
    } else {
      try {
        inputData = JSON.parse(json);
      } catch (error) {
        setOutcome({ status: 'error', error: new Error(text.live.badJson(error instanceof Error ? error.message : String(error))) });
        return;
      }
      if (!inputData || typeof inputData !== 'object' || Array.isArray(inputData)) {
        setOutcome({ status: 'error', error: new Error(text.live.badJson('{ … }')) });
        return;
      }
    }
    setOutcome({ status: 'running' });
    try {
      const { executeJudgment } = await mutate<{ executeJudgment: { decision: string; confidence: number; methodUsed: string; explanation: string } }>(operations.executeJudgment, { input: { workflowId: workflow.id, inputData, method } });
      setOutcome({ status: 'done', message: `${text.live.result(executeJudgment.decision, executeJudgment.confidence.toFixed(2), executeJudgment.methodUsed)} ${executeJudgment.explanation}` });
    } catch (error) {
      setOutcome({ status: 'error', error });
    }
  }

  return (
    <form class="card judgment-form" onSubmit={run} aria-labelledby="run-title">
      <h2 id="run-title">
        {text.live.run}: {workflow.name}
      </h2>
      {workflow.inputFields.length ? (
        <div class="fields">
          {workflow.inputFields.map((field) => (
            <label key={field}>
              <span>{field}</span>
              <input type="text" inputMode="decimal" name={field} value={values[field] ?? ''} onInput={(event) => setValues({ ...values, [field]: (event.target as HTMLInputElement).value })} />
            </label>
          ))}
        </div>
      ) : (
        <label>
          <span>{text.live.inputJson}</span>
          <span class="muted small">{text.live.noFields}</span>
          <textarea name="inputData" rows={4} value={json} onInput={(event) => setJson((event.target as HTMLTextAreaElement).value)} />
        </label>
      )}
      <div class="inline-form">
        <label>
          {text.live.method}{' '}
          <select name="method" value={method} onChange={(event) => setMethod((event.target as HTMLSelectElement).value as (typeof METHODS)[number])}>
            {METHODS.map((choice) => (
              <option key={choice}>{choice}</option>
            ))}
          </select>
        </label>
        <button type="submit" disabled={outcome.status === 'running'}>
          {outcome.status === 'running' ? text.live.running : text.live.submit}
        </button>
      </div>
      {outcome.status === 'done' && (
        <p class="ok" role="status">
          {outcome.message}
        </p>
      )}
      {outcome.status === 'error' && <ErrorState error={outcome.error} />}
    </form>
  );
}

function Feed({ workflowId }: { workflowId: string }) {
  const text = messages(language.value);
  const [live, retry] = useSubscription(operations.judgmentCompleted, workflowId ? { workflowId } : {}, prepend);
  if (live.status === 'error') return <ErrorState error={live.error} onRetry={retry} />;
  const feed = live.status === 'live' ? live.data : [];
  if (!feed.length) return <Empty>{text.live.waiting}</Empty>;
  const columns = text.live.columns;
  return (
    <div class="table-wrap">
      <table class="feed" aria-live="polite">
        <thead>
          <tr>
            <th>{columns.time}</th>
            <th>{columns.workflow}</th>
            <th>{columns.decision}</th>
            <th>{columns.confidence}</th>
            <th>{columns.method}</th>
            <th>{columns.explanation}</th>
          </tr>
        </thead>
        <tbody>
          {feed.map((judgment) => (
            <tr key={judgment.id} data-execution-id={judgment.id}>
              <td class="nowrap">{new Date(judgment.createdAt).toLocaleTimeString(language.value)}</td>
              <td>{judgment.workflow.name}</td>
              <td>
                <span class="badge decision">{judgment.decision}</span>
              </td>
              <td>
                <meter min={0} max={1} value={judgment.confidence} /> {judgment.confidence.toFixed(2)}
              </td>
              <td class="nowrap">
                {judgment.methodUsed}
                {judgment.methodUsed !== judgment.method && <span class="muted small"> ({judgment.method})</span>}
              </td>
              <td class="explanation">{judgment.explanation}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function LivePage() {
  const text = messages(language.value);
  const [workflows, reload] = useQuery<{ workflows: WorkflowSummary[] }>(operations.workflows);
  const [chosen, setChosen] = useState('');
  return (
    <main class="page">
      <header class="page-header">
        <h1>{text.live.title}</h1>
        <p class="muted">{text.live.lead}</p>
      </header>
      {workflows.status === 'loading' && <Loading />}
      {workflows.status === 'error' && <ErrorState error={workflows.error} onRetry={reload} />}
      {workflows.status === 'done' &&
        (workflows.data.workflows.length === 0 ? (
          <Empty>{text.live.noWorkflows}</Empty>
        ) : (
          <>
            <label class="inline-form">
              {text.live.workflow}{' '}
              <select name="workflow" value={chosen} onChange={(event) => setChosen((event.target as HTMLSelectElement).value)}>
                <option value="">{text.live.allWorkflows}</option>
                {workflows.data.workflows.map((workflow) => (
                  <option key={workflow.id} value={workflow.id}>
                    {workflow.name}
                  </option>
                ))}
              </select>
            </label>
            <Feed workflowId={chosen} />
            {(() => {
              const workflow = workflows.data.workflows.find((candidate) => candidate.id === chosen);
              return workflow ? <JudgmentForm key={workflow.id} workflow={workflow} /> : <Empty>{text.live.pickWorkflow}</Empty>;
            })()}
          </>
        ))}
    </main>
  );
}
