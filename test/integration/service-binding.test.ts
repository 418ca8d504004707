// An upstream that is another Worker, reached through a service binding (AUX, defined for the
// tests in vitest.config.ts), instead of over the network.
import { describe, expect, it } from 'vitest'
import { send, testEnv, withConfig } from './harness.ts'

interface AuxEcho {
  service: string
  method: string
  url: string
  headers: Record<string, string>
  body: string
}
const auxOf = async (res: Response) => (await res.json()) as AuxEcho

describe('a service-binding upstream', () => {
  it('forwards the request to the bound Worker with the proxy headers', async () => {
    const env = withConfig({ routes: [{ match: { path: '/auth' }, upstream: { service: 'AUX' }, rewrite: { stripPrefix: true } }] }, { AUX: testEnv.AUX })
    const res = await send('https://www.example.com/auth/login?next=%2F', env, { method: 'POST', body: 'user=a', headers: { 'cf-connecting-ip': '203.0.113.9' } })
    expect(res.status).toBe(200)
    expect(res.headers.get('x-served-by')).toBe('aux')
    expect(res.headers.get('server')).toBeNull() // hidden like any origin's
    expect(res.headers.get('via')).toBe('1.1 portico')
    const aux = await auxOf(res)
    expect(aux).toMatchObject({ service: 'aux', method: 'POST', url: 'https://www.example.com/login?next=%2F', body: 'user=a' })
    expect(aux.headers['x-forwarded-for']).toBe('203.0.113.9')
    expect(aux.headers['x-request-id']).toBe(res.headers.get('x-request-id'))
    expect(aux.headers.via).toBe('1.1 portico')
  })

  it('sends a fixed host to the bound Worker when configured', async () => {
    const env = withConfig({ routes: [{ upstream: { service: 'AUX' }, host: 'auth.internal' }] }, { AUX: testEnv.AUX })
    expect((await auxOf(await send('https://www.example.com/x', env))).url).toBe('https://auth.internal/x')
  })

  it("streams the bound Worker's body whole long after firstByteMs (the limit is on the headers only)", async () => {
    const env = withConfig({ routes: [{ upstream: { service: 'AUX' }, timeouts: { firstByteMs: 150 } }] }, { AUX: testEnv.AUX })
    const res = await send('https://www.example.com/drip', env)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('chunk 0\nchunk 1\nchunk 2\nchunk 3\nchunk 4\nchunk 5\n')
  })

  it('refuses to start with a service binding the Worker does not have', async () => {
    const res = await send('https://www.example.com/', withConfig({ routes: [{ upstream: { service: 'MISSING' } }] }, { AUX: testEnv.AUX }))
    expect(res.status).toBe(500)
    expect(await res.json()).toMatchObject({ errors: [{ path: 'routes[0].upstream.service' }] })
  })
})
