import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index.ts'

describe('the Worker in workerd', () => {
  it('proxies to the ORIGIN binding over a real socket', async () => {
    const res = await worker.fetch(new Request('https://www.example.com/echo/x'), env)
    expect(res.status).toBe(200)
    const body = (await res.json()) as { origin: string; url: string; headers: Record<string, string> }
    expect(body.origin).toBe('integration')
    expect(body.headers['x-forwarded-host']).toBe('www.example.com')
  })
})
