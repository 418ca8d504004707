// Which route serves a request, and the routes that answer without an origin: the Worker in
// workerd, forwarding to the real loopback origin.
import { describe, expect, it } from 'vitest'
import { echoOf, ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const routes = () =>
  withConfig({
    routes: [
      { name: 'api', match: { host: 'api.example.com', path: '/v1' }, upstream: ORIGIN_URL, rewrite: { replacePrefix: '/api' } },
      { name: 'tenants', match: { host: '*.tenants.example.com' }, upstream: `${ORIGIN_URL}/echo/tenant` },
      { name: 'users', match: { pattern: '/users/:id{[0-9]+}' }, upstream: ORIGIN_URL, rewrite: { path: '/echo/user/{id}' } },
      { name: 'app', match: { path: '/app' }, upstream: ORIGIN_URL, rewrite: { stripPrefix: true } },
      { name: 'write', match: { path: '/orders', methods: ['POST', 'PUT'] }, upstream: ORIGIN_URL, rewrite: { replacePrefix: '/echo/orders' } },
      { name: 'read', match: { path: '/orders', methods: ['GET'] }, upstream: ORIGIN_URL, rewrite: { replacePrefix: '/echo/orders' } },
      { name: 'beta', match: { path: '/echo', headers: { 'X-Beta': ['1', 'yes'] } }, upstream: `${ORIGIN_URL}/echo/beta` },
      { name: 'echo', match: { host: 'www.example.com', path: '/echo' }, upstream: ORIGIN_URL },
      { name: 'old', match: { pattern: '/old/:slug' }, redirect: { to: 'https://{host}/new/{slug}{query}', status: 301 } },
      { name: 'robots', match: { path: '/robots.txt' }, respond: { status: 200, body: 'User-agent: *\nDisallow: /admin\n', headers: { 'X-Robots': 'portico' } } },
      { name: 'maintenance', match: { host: 'down.example.com' }, respond: { status: 503, body: 'Back soon', contentType: 'text/html; charset=utf-8', headers: { 'Retry-After': '120' } } },
    ],
  })

describe('routing through the Worker', () => {
  it.each([
    ['https://api.example.com/v1/users?limit=2', '/api/users?limit=2'],
    ['https://api.example.com/v1', '/api'],
    ['https://a.tenants.example.com/x', '/echo/tenant/x'],
    ['https://a.b.tenants.example.com/', '/echo/tenant/'],
    ['https://www.example.com/users/42', '/echo/user/42'],
    ['https://www.example.com/app/echo/deep?x=1', '/echo/deep?x=1'],
    ['https://www.example.com/echo/x', '/echo/x'],
  ])('sends %s to the origin as %s', async (url, originUrl) => {
    const res = await send(url, routes())
    expect(res.status).toBe(200)
    expect((await echoOf(res)).url).toBe(originUrl)
  })

  it('routes by request header before falling back to the plain route', async () => {
    expect((await echoOf(await send('https://www.example.com/echo/x', routes(), { headers: { 'X-Beta': 'yes' } }))).url).toBe('/echo/beta/echo/x')
    expect((await echoOf(await send('https://www.example.com/echo/x', routes(), { headers: { 'X-Beta': 'no' } }))).url).toBe('/echo/x')
  })

  it.each([
    'https://api.example.com/v2/users', // the host's only route has another prefix
    'https://tenants.example.com/x', // a wildcard does not cover the bare domain
    'https://www.example.com/users/bob', // the parameter must be digits
    'https://www.example.com/application', // prefixes match on whole segments
    'https://other.example.org/echo', // the echo route is for www only
  ])('answers 404 problem+json for %s, which no route serves', async (url) => {
    const res = await send(url, routes())
    expect(res.status).toBe(404)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    expect(await problemOf(res)).toEqual({ type: 'urn:portico:no-route', title: 'Not Found', status: 404, detail: 'No route serves this host and path.' })
  })

  it('answers 405 with Allow listing the methods of every route for that path', async () => {
    const res = await send('https://www.example.com/orders/7', routes(), { method: 'DELETE' })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe('POST, PUT, GET, HEAD')
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:method-not-allowed', detail: 'This resource accepts POST, PUT, GET, HEAD.' })
  })

  it('serves HEAD from the route that accepts GET', async () => {
    const res = await send('https://www.example.com/orders/7', routes(), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    expect(await res.text()).toBe('')
  })

  it('forwards each method to the route that accepts it', async () => {
    const post = await echoOf(await send('https://www.example.com/orders/7', routes(), { method: 'POST', body: 'x' }))
    expect(post).toMatchObject({ method: 'POST', url: '/echo/orders/7', bodyBytes: 1 })
    expect((await echoOf(await send('https://www.example.com/orders/7', routes()))).method).toBe('GET')
  })
})

describe('redirect routes', () => {
  it('answers with the filled-in Location and status, without asking the origin', async () => {
    const res = await send('https://www.example.com/old/hello-world?ref=mail', routes())
    expect(res.status).toBe(301)
    expect(res.headers.get('location')).toBe('https://www.example.com/new/hello-world?ref=mail')
    expect(res.headers.get('x-request-id')).toBeTruthy()
    expect(await res.text()).toBe('')
  })

  it('defaults to 302 and fills {path} and {query}', async () => {
    const env = withConfig({ routes: [{ redirect: { to: 'https://new.example.com{path}{query}' } }] })
    const res = await send('https://old.example.com:8443/a/b?c=d', env)
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe('https://new.example.com/a/b?c=d')
  })

  it('keeps the port in {host}', async () => {
    const res = await send('https://www.example.com:8443/x', withConfig({ routes: [{ redirect: { to: 'http://{host}{path}', status: 308 } }] }))
    expect(res.headers.get('location')).toBe('http://www.example.com:8443/x')
  })
})

describe('respond routes', () => {
  it('answers with the fixed body, content type and headers', async () => {
    const res = await send('https://www.example.com/robots.txt', routes())
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(res.headers.get('x-robots')).toBe('portico')
    expect(await res.text()).toBe('User-agent: *\nDisallow: /admin\n')
  })

  it('answers HEAD with the same status and headers but no body', async () => {
    const res = await send('https://www.example.com/robots.txt', routes(), { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-robots')).toBe('portico')
    expect(res.body).toBeNull()
  })

  it('serves a maintenance page for a whole host', async () => {
    const res = await send('https://down.example.com/anything', routes(), { method: 'POST', body: 'x' })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('120')
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(await res.text()).toBe('Back soon')
  })

  it('applies the route\'s response header edits to a fixed response', async () => {
    const env = withConfig({ defaults: { responseHeaders: { set: { 'X-Frame-Options': 'DENY' } } }, routes: [{ respond: { status: 204 } }] })
    const res = await send('https://www.example.com/', env)
    expect(res.status).toBe(204)
    expect(res.headers.get('x-frame-options')).toBe('DENY')
  })
})
