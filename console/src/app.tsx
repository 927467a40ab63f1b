import { ErrorState, Loading } from './components/states.tsx';
import { language, messages, setLanguage } from './i18n.ts';
import { DashboardPage } from './pages/dashboard.tsx';
import { DashboardsPage } from './pages/dashboards.tsx';
import { ExplorerPage } from './pages/explorer.tsx';
import { LivePage } from './pages/live.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { hrefOf, route, type Route } from './router.ts';
import { claimsOf, settings, signOut, token } from './session.ts';

function Identity() {
  const text = messages(language.value);
  if (settings.value?.identity === 'development') return <span class="identity muted small">{text.signIn.devMode}</span>;
  if (!token.value) return null;
  const claims = claimsOf(token.value);
  return (
    <span class="identity small">
      <span class="muted">{text.signIn.signedInAs(claims?.sub ?? '?', claims?.tenant_id ?? '?', (claims?.roles ?? []).join(', '))}</span>{' '}
      <button type="button" class="link" onClick={signOut}>
        {text.signIn.signOut}
      </button>
    </span>
  );
}

function Page({ current }: { current: Route }) {
  switch (current.page) {
    case 'dashboard':
      return <DashboardPage key={current.id} id={current.id} />;
    case 'live':
      return <LivePage />;
    case 'explorer':
      return <ExplorerPage />;
    default:
      return <DashboardsPage />;
  }
}

export function App({ startupError }: { startupError?: unknown }) {
  const text = messages(language.value);
  const current = route.value;
  const section = current.page === 'dashboard' ? 'dashboards' : current.page;
  const needsToken = settings.value?.identity === 'token' && !token.value;
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/dashboards">
          <span class="logo" aria-hidden="true">◆</span> {text.product}
        </a>
        {!needsToken && settings.value && (
          <nav aria-label="main">
            {(['dashboards', 'live', 'explorer'] as const).map((page) => (
              <a key={page} href={hrefOf({ page })} aria-current={section === page ? 'page' : undefined}>
                {text.nav[page]}
              </a>
            ))}
          </nav>
        )}
        <div class="topbar-end">
          <Identity />
          <button type="button" class="secondary small" onClick={() => setLanguage(language.value === 'ko' ? 'en' : 'ko')}>
            {text.language}
          </button>
        </div>
      </header>
      {startupError ? (
        <main class="page">
          <ErrorState error={startupError} onRetry={() => location.reload()} />
        </main>
      ) : !settings.value ? (
        <main class="page">
          <Loading />
        </main>
      ) : needsToken ? (
        <SignInPage />
      ) : (
        <Page current={current} />
      )}
    </>
  );
}
