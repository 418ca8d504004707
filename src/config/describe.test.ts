import { describe, expect, it } from 'vitest'
import { compileConfig, type BindingLookup } from './compile.ts'
import { describeRoutes } from './describe.ts'

const bindings: BindingLookup = { text: (n) => (n === 'KEY' ? 'super-secret-value' : undefined), hasService: (n) => n === 'AUTH' }

function described(raw: unknown) {
  const result = compileConfig(raw, bindings)
  if (!result.ok) throw new Error(JSON.stringify(result.errors))
  return describeRoutes(result.config)
}

describe('describeRoutes', () => {
  it('shows what each route matches and does, after defaults', () => {
    const rows = described({
      pools: { web: { upstreams: [{ url: 'https://a.example.com', weight: 3 }, 'https://b.example.com/app'] } },
      defaults: { host: 'preserve' },
      routes: [
        { name: 'api', match: { host: ['api.example.com', '*.api.example.com'], path: '/v1', methods: ['GET', 'POST'] }, upstream: 'https://api.internal', rewrite: { stripPrefix: true } },
        { name: 'users', match: { pattern: '/users/:id', headers: { 'X-Beta': ['1', 'yes'] } }, upstream: 'https://users.internal', rewrite: { path: '/u/{id}' }, host: 'origin' },
        { name: 'auth', match: { path: '/auth' }, upstream: { service: 'AUTH' }, rewrite: { replacePrefix: '/' } },
        { name: 'old', match: { path: '/old' }, redirect: { to: '/new{query}', status: 301 } },
        { match: { path: '/robots.txt' }, respond: { status: 200, body: 'User-agent: *' } },
        { name: 'site', pool: 'web', host: 'www.example.com' },
      ],
    })
    expect(rows).toEqual([
      { name: 'api', hosts: 'api.example.com *.api.example.com', path: '/v1/**', methods: 'GET,POST', headers: '', action: 'proxy https://api.internal rewrite /v1 → / host=preserve' },
      { name: 'users', hosts: '*', path: '/users/:id', methods: 'any', headers: 'x-beta=1|yes', action: 'proxy https://users.internal rewrite → /u/{id}' },
      { name: 'auth', hosts: '*', path: '/auth/**', methods: 'any', headers: '', action: 'proxy service:AUTH rewrite /auth → / host=preserve' },
      { name: 'old', hosts: '*', path: '/old/**', methods: 'any', headers: '', action: 'redirect 301 → /new{query}' },
      { name: 'route-4', hosts: '*', path: '/robots.txt/**', methods: 'any', headers: '', action: 'respond 200' },
      { name: 'site', hosts: '*', path: '/**', methods: 'any', headers: '', action: 'proxy pool web: https://a.example.com (weight 3), https://b.example.com/app host=www.example.com' },
    ])
  })

  it('never shows a secret value', () => {
    const rows = described({ routes: [{ upstream: 'https://a.example.com', requestHeaders: { set: { 'X-Key': { secret: 'KEY' } } } }] })
    expect(JSON.stringify(rows)).not.toContain('super-secret-value')
  })
})
