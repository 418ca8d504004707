// The proxy's own answers to methods and hops it will not forward: TRACE and CONNECT, loops seen in
// Via, and Max-Forwards reaching zero.
import { describe, expect, it } from 'vitest'
import { echoOf, ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const ALLOW_ALL = 'GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS'

describe('refused methods', () => {
  // CONNECT is refused by the same rule, but workerd cannot build a CONNECT Request in JS
  // ("Invalid HTTP method string"), so only a raw socket (the e2e tier) can send one.
  it('answers TRACE with 405 and Allow, without forwarding it', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { method: 'TRACE', headers: { authorization: 'Bearer secret' } })
    expect(res.status).toBe(405)
    expect(res.headers.get('allow')).toBe(ALLOW_ALL)
    expect(res.headers.get('x-request-id')).toBeTruthy()
    const text = await res.clone().text()
    expect(text).not.toContain('secret')
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:method-refused', status: 405, detail: 'TRACE is not forwarded by this proxy.' })
  })

  it('forwards TRACE to the origin when allowTrace is set', async () => {
    const env = withConfig({ routes: [{ upstream: ORIGIN_URL }], forwarding: { allowTrace: true } })
    const res = await send('https://www.example.com/echo/t', env, { method: 'TRACE' })
    expect(res.status).toBe(200)
    expect((await echoOf(res)).method).toBe('TRACE')
  })

  it('answers an allowed TRACE at the last hop with the request it saw, minus credentials', async () => {
    const env = withConfig({ routes: [{ upstream: ORIGIN_URL }], forwarding: { allowTrace: true } })
    const res = await send('https://www.example.com/echo/t?q=1', env, { method: 'TRACE', headers: { 'max-forwards': '0', authorization: 'Bearer secret', cookie: 'sid=secret', 'x-probe': 'p' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('message/http')
    const text = await res.text()
    expect(text).toMatch(/^TRACE \/echo\/t\?q=1 HTTP\/1\.1\r\n/)
    expect(text).toContain('x-probe: p\r\n')
    expect(text).not.toContain('secret')
  })
})

describe('loops', () => {
  it.each(['1.1 portico', '1.0 fred, 2 portico', '1.1 PORTICO (Portico)'])('answers 508 when Via already lists this proxy: %j', async (via) => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { via } })
    expect(res.status).toBe(508)
    expect(await problemOf(res)).toMatchObject({ type: 'urn:portico:loop-detected', title: 'Loop Detected', status: 508 })
  })

  it('forwards a request that passed through other proxies, appending itself to Via', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { via: '1.1 fred' } })
    expect(res.status).toBe(200)
    expect((await echoOf(res)).headers.via).toBe('1.1 fred, 1.1 portico')
  })

  it('uses the configured Via pseudonym to detect loops', async () => {
    const env = () => withConfig({ routes: [{ upstream: ORIGIN_URL }], forwarding: { via: 'edge-7' } })
    expect((await send('https://www.example.com/echo', env(), { headers: { via: '1.1 edge-7' } })).status).toBe(508)
    const res = await send('https://www.example.com/echo', env(), { headers: { via: '1.1 portico' } })
    expect((await echoOf(res)).headers.via).toBe('1.1 portico, 1.1 edge-7')
  })

  it('neither adds Via nor detects loops when Via is off', async () => {
    const res = await send('https://www.example.com/echo', withConfig({ routes: [{ upstream: ORIGIN_URL }], forwarding: { via: false } }), { headers: { via: '1.1 portico' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('via')).toBeNull()
    expect((await echoOf(res)).headers.via).toBe('1.1 portico')
  })
})

describe('Max-Forwards', () => {
  it('answers OPTIONS with Max-Forwards 0 itself, with Allow', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { method: 'OPTIONS', headers: { 'max-forwards': '0' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('allow')).toBe(ALLOW_ALL)
    expect(res.headers.get('x-origin-name')).toBeNull() // the origin never saw it
  })

  it('forwards OPTIONS with Max-Forwards decremented', async () => {
    const res = await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { method: 'OPTIONS', headers: { 'max-forwards': '3' } })
    const echo = await echoOf(res)
    expect(echo.method).toBe('OPTIONS')
    expect(echo.headers['max-forwards']).toBe('2')
  })

  it('leaves Max-Forwards on other methods alone', async () => {
    const echo = await echoOf(await send('https://www.example.com/echo', { ORIGIN: ORIGIN_URL }, { headers: { 'max-forwards': '0' } }))
    expect(echo.headers['max-forwards']).toBe('0')
  })
})
