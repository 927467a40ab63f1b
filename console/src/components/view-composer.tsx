import { useState } from 'preact/hooks';
import { language, messages } from '../i18n.ts';
import { operations, type DashboardSummary, type GeneratedView } from '../operations.ts';
import { rowsAt } from '../rows.ts';
import { mutate } from '../use-query.ts';
import { Chart } from './chart.tsx';
import { ErrorState } from './states.tsx';

type Generation = { status: 'idle' } | { status: 'generating' } | { status: 'error'; error: unknown } | { status: 'done'; view: GeneratedView };

/**
 * The prompt box: `generateView` turns plain language into a view, shown with what was understood;
 * a view with a chart can be saved to one of the dashboards offered.
 */
export function ViewComposer({ dashboards, onSaved }: { dashboards: Array<Pick<DashboardSummary, 'id' | 'name'>>; onSaved: (dashboardId: string) => void }) {
  const text = messages(language.value);
  const [prompt, setPrompt] = useState('');
  const [generation, setGeneration] = useState<Generation>({ status: 'idle' });
  const [target, setTarget] = useState<string>('');
  const [saving, setSaving] = useState<{ status: 'idle' | 'saving' | 'saved' } | { status: 'error'; error: unknown }>({ status: 'idle' });
  const chosen = target || dashboards[0]?.id || '';

  async function generate(event: Event) {
    event.preventDefault();
    if (!prompt.trim()) return;
    setGeneration({ status: 'generating' });
    setSaving({ status: 'idle' });
    try {
      const { generateView } = await mutate<{ generateView: GeneratedView }>(operations.generateView, { prompt: prompt.trim(), language: language.value === 'ko' ? 'KO' : 'EN' });
      setGeneration({ status: 'done', view: generateView });
    } catch (error) {
      setGeneration({ status: 'error', error });
    }
  }

  async function save(view: GeneratedView) {
    if (!view.query || !view.chart || !chosen) return;
    setSaving({ status: 'saving' });
    try {
      await mutate(operations.addDashboardView, {
        dashboardId: chosen,
        view: { title: view.title, query: view.query, variables: view.variables, dataPath: view.dataPath, chart: { type: view.chart.type, spec: view.chart.spec } },
      });
      setSaving({ status: 'saved' });
      onSaved(chosen);
    } catch (error) {
      setSaving({ status: 'error', error });
    }
  }

  return (
    <section class="card composer" aria-labelledby="composer-title">
      <h2 id="composer-title">{text.prompt.title}</h2>
      <form class="inline-form" onSubmit={generate}>
        <input
          type="text"
          name="prompt"
          aria-label={text.prompt.title}
          placeholder={text.prompt.placeholder}
          maxLength={1000}
          value={prompt}
          onInput={(event) => setPrompt((event.target as HTMLInputElement).value)}
        />
        <button type="submit" disabled={generation.status === 'generating' || !prompt.trim()}>
          {generation.status === 'generating' ? text.prompt.generating : text.prompt.submit}
        </button>
      </form>
      {generation.status === 'error' && <ErrorState error={generation.error} />}
      {generation.status === 'done' && (
        <div class="generated" data-testid="generated-view">
          <p class="interpretation">
            <span class="muted">{text.prompt.interpretation}:</span> {generation.view.interpretation}{' '}
            <span class="badge">{text.prompt.source[generation.view.source]}</span>
          </p>
          {generation.view.warnings.map((warning) => (
            <p key={warning} class="warning">
              {warning}
            </p>
          ))}
          {generation.view.dataErrors.length > 0 && <ErrorState error={Object.assign(new Error(generation.view.dataErrors.map((error) => error.message).join(' · ')), { code: generation.view.dataErrors[0]!.code })} />}
          {generation.view.chart ? (
            <>
              <h3>{generation.view.title}</h3>
              <Chart chart={generation.view.chart} rows={rowsAt(generation.view.data, generation.view.dataPath)} label={generation.view.title} />
              {dashboards.length > 0 && (
                <div class="inline-form">
                  <label>
                    {text.prompt.saveTo}{' '}
                    <select value={chosen} onChange={(event) => setTarget((event.target as HTMLSelectElement).value)}>
                      {dashboards.map((dashboard) => (
                        <option key={dashboard.id} value={dashboard.id}>
                          {dashboard.name}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button type="button" onClick={() => save(generation.view)} disabled={saving.status === 'saving'}>
                    {text.prompt.save}
                  </button>
                  {saving.status === 'saved' && <span class="ok">{text.prompt.saved}</span>}
                </div>
              )}
              {saving.status === 'error' && <ErrorState error={saving.error} />}
            </>
          ) : (
            <div class="state empty">
              <p>{text.prompt.noChart}</p>
              {generation.view.suggestions.length > 0 && (
                <>
                  <p>{text.prompt.tryThese}</p>
                  <ul class="suggestions">
                    {generation.view.suggestions.map((suggestion) => (
                      <li key={suggestion}>
                        <button type="button" class="link" onClick={() => setPrompt(suggestion)}>
                          {suggestion}
                        </button>
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          )}
        </div>
      )}
    </section>
  );
}
