import { useState } from 'preact/hooks';
import { Chart } from '../components/chart.tsx';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { ViewComposer } from '../components/view-composer.tsx';
import { language, messages } from '../i18n.ts';
import { operations, type DashboardUpdate } from '../operations.ts';
import { rowsAt } from '../rows.ts';
import { mutate } from '../use-query.ts';
import { useSubscription } from '../use-subscription.ts';

/** Every update carries the whole dashboard, so the latest one is the state. */
const latest = (_: DashboardUpdate | undefined, event: { dashboardUpdated: DashboardUpdate }) => event.dashboardUpdated;

export function DashboardPage({ id }: { id: string }) {
  const text = messages(language.value);
  const [live, retry] = useSubscription(operations.dashboardUpdated, { id }, latest);
  const [removal, setRemoval] = useState<unknown>(undefined);

  async function remove(dashboardId: string, viewId: string) {
    setRemoval(undefined);
    // The dashboard's own subscription brings the change in.
    await mutate(operations.removeDashboardView, { dashboardId, viewId }).catch(setRemoval);
  }

  if (live.status === 'connecting') return <main class="page"><Loading /></main>;
  if (live.status === 'error') {
    return (
      <main class="page">
        <a href="#/dashboards">← {text.dashboards.back}</a>
        {live.error.code === 'NOT_FOUND' ? <Empty>{text.dashboards.notFound}</Empty> : <ErrorState error={live.error} onRetry={retry} />}
      </main>
    );
  }
  const { dashboard, views } = live.data;
  const snapshots = new Map(views.map((view) => [view.viewId, view]));
  return (
    <main class="page">
      <a href="#/dashboards">← {text.dashboards.back}</a>
      <header class="page-header">
        <h1>
          {dashboard.name} <span class="badge live" title={text.states.live}>● {text.states.live}</span>
        </h1>
        {dashboard.description && <p class="muted">{dashboard.description}</p>}
      </header>
      {removal !== undefined && <ErrorState error={removal} />}
      {dashboard.views.length === 0 ? (
        <Empty>{text.dashboards.noViews}</Empty>
      ) : (
        <div class="grid">
          {dashboard.views.map((view) => {
            const snapshot = snapshots.get(view.id);
            return (
              <article key={view.id} class="card view" data-view-id={view.id}>
                <header class="view-header">
                  <h2>{view.title}</h2>
                  <button type="button" class="link danger" onClick={() => void remove(dashboard.id, view.id)}>
                    {text.dashboards.remove}
                  </button>
                </header>
                {snapshot?.dataErrors.length ? (
                  <ErrorState error={Object.assign(new Error(`${text.dashboards.viewFailed}: ${snapshot.dataErrors.map((error) => error.message).join(' · ')}`), { code: snapshot.dataErrors[0]!.code })} />
                ) : (
                  <Chart chart={view.chart} rows={rowsAt(snapshot?.data, view.dataPath)} label={view.title} />
                )}
              </article>
            );
          })}
        </div>
      )}
      <ViewComposer dashboards={[dashboard]} onSaved={() => {}} />
    </main>
  );
}
