import { useState } from 'preact/hooks';
import { Empty, ErrorState, Loading } from '../components/states.tsx';
import { ViewComposer } from '../components/view-composer.tsx';
import { language, messages } from '../i18n.ts';
import { operations, type DashboardSummary } from '../operations.ts';
import { hrefOf } from '../router.ts';
import { mutate, useQuery } from '../use-query.ts';

export function DashboardsPage() {
  const text = messages(language.value);
  const [list, reload] = useQuery<{ dashboards: DashboardSummary[] }>(operations.dashboards);
  const [name, setName] = useState('');
  const [creating, setCreating] = useState<{ status: 'idle' | 'creating' } | { status: 'error'; error: unknown }>({ status: 'idle' });

  async function create(event: Event) {
    event.preventDefault();
    if (!name.trim()) return;
    setCreating({ status: 'creating' });
    try {
      await mutate(operations.createDashboard, { input: { name: name.trim() } });
      setName('');
      setCreating({ status: 'idle' });
      reload();
    } catch (error) {
      setCreating({ status: 'error', error });
    }
  }

  return (
    <main class="page">
      <header class="page-header">
        <h1>{text.dashboards.title}</h1>
        <p class="muted">{text.dashboards.lead}</p>
      </header>
      <form class="inline-form" onSubmit={create}>
        <input type="text" name="dashboard-name" aria-label={text.dashboards.newName} placeholder={text.dashboards.newName} maxLength={100} value={name} onInput={(event) => setName((event.target as HTMLInputElement).value)} />
        <button type="submit" disabled={creating.status === 'creating' || !name.trim()}>
          {text.dashboards.create}
        </button>
      </form>
      {creating.status === 'error' && <ErrorState error={creating.error} />}
      {list.status === 'loading' && <Loading />}
      {list.status === 'error' && <ErrorState error={list.error} onRetry={reload} />}
      {list.status === 'done' && (
        <>
          {list.data.dashboards.length === 0 ? (
            <Empty>{text.dashboards.empty}</Empty>
          ) : (
            <ul class="tiles">
              {list.data.dashboards.map((dashboard) => (
                <li key={dashboard.id}>
                  <a class="tile" href={hrefOf({ page: 'dashboard', id: dashboard.id })}>
                    <strong>{dashboard.name}</strong>
                    {dashboard.description && <span class="muted">{dashboard.description}</span>}
                    <span class="muted small">
                      {text.dashboards.views(dashboard.views.length)} · {text.dashboards.updated} {new Date(dashboard.updatedAt).toLocaleString(language.value)}
                    </span>
                  </a>
                </li>
              ))}
            </ul>
          )}
          <ViewComposer dashboards={list.data.dashboards} onSaved={reload} />
        </>
      )}
    </main>
  );
}
