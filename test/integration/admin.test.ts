// The admin API under /_portico: off without ADMIN_TOKEN, closed without the right bearer token.
import { describe, expect, it } from 'vitest'
import { ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const TOKEN = 'test-admin-token-0123456789'
const config = () => ({
  pools: { web: { upstreams: [{ url: ORIGIN_URL, weight: 2 }, `${ORIGIN_URL}/echo`] } },
  routes: [
    { name: 'api', match: { host: 'api.example.com', path: '/v1', methods: ['GET'] }, upstream: ORIGIN_URL, rewrite: { stripPrefix: true }, requestHeaders: { set: { Authorization: { secret: 'ORIGIN_TOKEN' } } } },
    { name: 'site', pool: 'web' },
  ],
})
const adminEnv = (extra: Record<string, unknown> = {}) => withConfig(config(), { ADMIN_TOKEN: TOKEN, ORIGIN_TOKEN: 'Bearer never-shown', ...extra })
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } })

describe('admin API', () => {
  it('is off (404) when ADMIN_TOKEN is not set, whatever the request sends', async () => {
    const res = await send('https://www.example.com/_portico/config', withConfig(config(), { ORIGIN_TOKEN: 'x' }), bearer(TOKEN))
    expect(res.status).toBe(404)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:admin-disabled', detail: expect.stringMatching(/set the ADMIN_TOKEN secret/) as unknown as string })
  })

  it.each([
    ['no Authorization', {}],
    ['a wrong token', bearer('wrong-token')],
    ['the token with a different last character', bearer(`${TOKEN.slice(0, -1)}X`)],
    ['the token as Basic credentials', { headers: { authorization: `Basic ${btoa(`admin:${TOKEN}`)}` } }],
  ])('answers 401 with a Bearer challenge for %s', async (_what, init) => {
    const res = await send('https://www.example.com/_portico/config', adminEnv(), init)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portico-admin"')
    const body = await problemOf(res)
    expect(body.type).toBe('urn:portico:admin-unauthorized')
    expect(JSON.stringify(body)).not.toContain('never-shown')
  })

  it('returns the effective routes with the right token, without secrets', async () => {
    const res = await send('https://www.example.com/_portico/config', adminEnv(), bearer(TOKEN))
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = (await res.json()) as { valid: boolean; warnings: unknown[]; routes: Array<Record<string, string>> }
    expect(body.valid).toBe(true)
    expect(body.warnings).toEqual([])
    expect(body.routes).toEqual([
      { name: 'api', hosts: 'api.example.com', path: '/v1/**', methods: 'GET', headers: '', action: `proxy ${ORIGIN_URL} rewrite /v1 → /` },
      { name: 'site', hosts: '*', path: '/**', methods: 'any', headers: '', action: `proxy pool web: ${ORIGIN_URL} (weight 2), ${ORIGIN_URL}/echo` },
    ])
    expect(JSON.stringify(body)).not.toContain('never-shown')
  })

  it('reports an invalid config with its errors rather than failing', async () => {
    const res = await send('https://www.example.com/_portico/config', withConfig({ routes: [{ pool: 'nope' }] }, { ADMIN_TOKEN: TOKEN }), bearer(TOKEN))
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ valid: false, errors: [{ path: 'routes[0].pool', message: "unknown pool 'nope'; no pools are defined under \"pools\"" }] })
  })

  it('answers 404 for an unknown admin endpoint, but only after the token check', async () => {
    expect((await send('https://www.example.com/_portico/nope', adminEnv())).status).toBe(401)
    const res = await send('https://www.example.com/_portico/nope', adminEnv(), bearer(TOKEN))
    expect(res.status).toBe(404)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:admin-not-found' })
  })

  it('never proxies /_portico to the origin', async () => {
    for (const path of ['/_portico', '/_portico/', '/_portico/config']) {
      const res = await send(`https://www.example.com${path}`, { ORIGIN: ORIGIN_URL })
      expect(res.headers.get('x-origin-name'), path).toBeNull()
      expect(await problemOf(res), path).toMatchObject({ status: 404, type: 'urn:portico:admin-disabled' })
    }
  })

  it('proxies a path that only starts with the same letters', async () => {
    const res = await send('https://www.example.com/_porticox', { ORIGIN: ORIGIN_URL })
    expect(res.headers.get('x-origin-name')).toBe('integration')
    await res.body?.cancel()
  })
})
