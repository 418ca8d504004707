// The configuration `npm start` runs: two demo origins in one pool, a route of each kind, and
// caching, compression and a rate limit to try.
export function demoConfig(originUrls: readonly string[]): unknown {
  return {
    pools: { web: { upstreams: originUrls } },
    routes: [
      {
        name: 'api',
        match: { path: '/api' },
        pool: 'web',
        rewrite: { stripPrefix: true },
        // 20 requests per 10 s per client, with RateLimit headers on every answer.
        rateLimits: [{ name: 'demo-api', limit: 20, periodSeconds: 10, headers: true }],
      },
      // /cached/<anything>?h=Cache-Control:%20max-age=30 is stored and served from the cache.
      { name: 'cached', match: { path: '/cached' }, pool: 'web', cache: {} },
      { name: 'old-docs', match: { pattern: '/old-docs/:page' }, redirect: { to: '/docs/{page}{query}', status: 301 } },
      {
        name: 'maintenance',
        match: { path: '/maintenance' },
        respond: { status: 503, contentType: 'text/html; charset=utf-8', body: '<h1>Back soon</h1>\n', headers: { 'Retry-After': '120' } },
      },
      { name: 'site', pool: 'web', compress: {} },
    ],
  }
}
