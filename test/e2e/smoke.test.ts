import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

describe('a single ORIGIN', () => {
  let origin: RunningOrigin
  let portico: RunningPortico
  beforeAll(async () => {
    origin = await startOrigin('smoke')
    portico = await startPortico({ ORIGIN: origin.url })
  })
  afterAll(async () => {
    await portico?.close()
    await origin?.close()
  })

  it('proxies a request to the origin and back', async () => {
    const res = await fetch(portico.at('/echo/hi?x=1'))
    expect(res.status).toBe(200)
    const body = (await res.json()) as { url: string; origin: string }
    expect(body).toMatchObject({ origin: 'smoke', url: '/echo/hi?x=1' })
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  })
})
