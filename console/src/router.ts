import { signal } from '@preact/signals';

/** Hash routes, so the gateway serves one page: `#/dashboards`, `#/dashboards/<id>`, `#/live`, `#/explorer`. */
export type Route = { page: 'dashboards' } | { page: 'dashboard'; id: string } | { page: 'live' } | { page: 'explorer' };

function parse(hash: string): Route {
  const [page, id] = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  if (page === 'dashboards' && id) return { page: 'dashboard', id };
  if (page === 'live' || page === 'explorer') return { page };
  return { page: 'dashboards' };
}

export const route = signal<Route>(parse(location.hash));
addEventListener('hashchange', () => {
  route.value = parse(location.hash);
});

export const hrefOf = (target: Route) => (target.page === 'dashboard' ? `#/dashboards/${encodeURIComponent(target.id)}` : `#/${target.page}`);
