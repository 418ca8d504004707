// An invalid configuration never half-works: every request gets the list of problems.
import { describe, expect, it } from 'vitest'
import { ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const BROWSER = 'text/html,application/xhtml+xml,*/*;q=0.8'

describe('an invalid configuration', () => {
  const broken = { pools: { web: { upstreams: [ORIGIN_URL] } }, routes: [{ upstream: ORIGIN_URL, timeouts: { firstByteMs: -5 } }] }

  it.each([
    ['GET', 'https://www.example.com/'],
    ['POST', 'https://api.example.com/v1/orders'],
    ['DELETE', 'https://www.example.com/x?y=1'],
    ['OPTIONS', 'https://www.example.com/*'],
  ])('answers %s %s with 500 and the problems, never reaching the origin', async (method, url) => {
    const res = await send(url, withConfig({ routes: [{ pool: 'api' }] }), { method })
    expect(res.status).toBe(500)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const body = await problemOf(res)
    expect(body).toMatchObject({ type: 'urn:portico:config-invalid', title: 'Configuration is invalid', status: 500 })
    expect(body.errors).toEqual([{ path: 'routes[0].pool', message: "unknown pool 'api'; no pools are defined under \"pools\"" }])
  })

  it('lists every problem with its field path and counts them in the detail', async () => {
    const one = await problemOf(await send('https://www.example.com/', withConfig(broken)))
    expect(one.detail).toMatch(/^1 problem;/)

    const two = await problemOf(await send('https://www.example.com/', withConfig({ pools: broken.pools, routes: [{ pool: 'api' }, { upstream: ORIGIN_URL, rewrite: { stripPrefix: true } }] })))
    expect(two.detail).toMatch(/^2 problems; fix them in wrangler\.toml/)
    expect(two.errors?.map((e) => e.path)).toEqual(['routes[0].pool', 'routes[1].rewrite'])
    expect(two.errors?.[0]?.message).toBe("unknown pool 'api'; defined: web")
  })

  it('shows a browser the problems as an HTML page', async () => {
    const res = await send('https://www.example.com/', withConfig({ routes: [{ upstrem: ORIGIN_URL }] }), { headers: { accept: BROWSER } })
    expect(res.status).toBe(500)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await res.text()
    expect(html).toContain('<h1>500 Configuration is invalid</h1>')
    expect(html).toContain("<li><code>routes[0].upstrem</code>: unknown field &#39;upstrem&#39;")
  })

  it('reports a PORTICO_CONFIG that is not JSON', async () => {
    const body = await problemOf(await send('https://www.example.com/', { PORTICO_CONFIG: '{"routes": [' }))
    expect(body.errors).toEqual([{ path: 'PORTICO_CONFIG', message: expect.stringMatching(/^is not valid JSON/) as unknown as string }])
  })

  it('reports ORIGIN and PORTICO_CONFIG set together', async () => {
    const body = await problemOf(await send('https://www.example.com/', { ORIGIN: ORIGIN_URL, PORTICO_CONFIG: { routes: [{ upstream: ORIGIN_URL }] } }))
    expect(body.errors?.[0]?.path).toBe('ORIGIN')
  })

  it('reports a Worker with no configuration at all', async () => {
    const body = await problemOf(await send('https://www.example.com/', {}))
    expect(body.errors?.[0]).toMatchObject({ path: '(bindings)', message: expect.stringMatching(/^no configuration/) as unknown as string })
  })

  it('reports a secret the config names but the Worker does not have', async () => {
    const config = { routes: [{ upstream: ORIGIN_URL, requestHeaders: { set: { Authorization: { secret: 'ORIGIN_TOKEN' } } } }] }
    const body = await problemOf(await send('https://www.example.com/echo', withConfig(config)))
    expect(body.errors).toEqual([{ path: 'routes[0].requestHeaders.set.Authorization.secret', message: 'secret \'ORIGIN_TOKEN\' is not bound; run: npx wrangler secret put ORIGIN_TOKEN' }])
  })

  it('works again once the configuration is fixed', async () => {
    expect((await send('https://www.example.com/echo', withConfig({ routes: [{ pool: 'api' }] }))).status).toBe(500)
    const res = await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL }] }))
    expect(res.status).toBe(200)
    await res.body?.cancel()
  })
})

describe('the ORIGIN binding alone', () => {
  it('proxies every path to that origin', async () => {
    const res = await send('https://www.example.com/echo/some/path?q=1', { ORIGIN: ORIGIN_URL })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ origin: 'integration', url: '/echo/some/path?q=1' })
  })
})
