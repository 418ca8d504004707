// The configuration `npm start` runs: two demo origins in one pool, and a route of each kind.
export function demoConfig(originUrls: readonly string[]): unknown {
  return {
    pools: { web: { upstreams: originUrls } },
    routes: [
      { name: 'api', match: { path: '/api' }, pool: 'web', rewrite: { stripPrefix: true } },
      { name: 'old-docs', match: { pattern: '/old-docs/:page' }, redirect: { to: '/docs/{page}{query}', status: 301 } },
      {
        name: 'maintenance',
        match: { path: '/maintenance' },
        respond: { status: 503, contentType: 'text/html; charset=utf-8', body: '<h1>Back soon</h1>\n', headers: { 'Retry-After': '120' } },
      },
      { name: 'site', pool: 'web' },
    ],
  }
}
