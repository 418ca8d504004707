import { describe, expect, it } from 'vitest'
import { bindingsOf, loadConfig, rawConfigFrom } from './load.ts'

describe('rawConfigFrom', () => {
  it('turns ORIGIN alone into one catch-all route to that origin', () => {
    expect(rawConfigFrom({ ORIGIN: 'https://origin.example.com' })).toEqual({ raw: { routes: [{ name: 'origin', upstream: 'https://origin.example.com' }] } })
  })

  it('takes PORTICO_CONFIG as an object (a TOML table) unchanged', () => {
    const table = { routes: [{ upstream: 'https://a.example.com' }] }
    expect(rawConfigFrom({ PORTICO_CONFIG: table })).toEqual({ raw: table })
  })

  it('parses PORTICO_CONFIG given as a JSON string', () => {
    expect(rawConfigFrom({ PORTICO_CONFIG: '{"routes":[{"upstream":"https://a.example.com"}]}' })).toEqual({ raw: { routes: [{ upstream: 'https://a.example.com' }] } })
  })

  it('says PORTICO_CONFIG is not JSON, and how to write it, when it does not parse', () => {
    const out = rawConfigFrom({ PORTICO_CONFIG: '{ routes: [' })
    expect(out).toEqual({ errors: [{ path: 'PORTICO_CONFIG', message: expect.stringMatching(/^is not valid JSON \(.+\); write it as JSON text or as a TOML table/) as unknown as string }] })
  })

  it('refuses ORIGIN and PORTICO_CONFIG together', () => {
    const out = rawConfigFrom({ ORIGIN: 'https://a.example.com', PORTICO_CONFIG: { routes: [] } })
    expect(out).toEqual({ errors: [{ path: 'ORIGIN', message: expect.stringMatching(/^set either ORIGIN or PORTICO_CONFIG, not both/) as unknown as string }] })
  })

  it.each([
    ['neither binding', {}],
    ['both empty', { ORIGIN: '', PORTICO_CONFIG: '' }],
  ])('says how to configure Portico when given %s', (_what, env) => {
    expect(rawConfigFrom(env)).toEqual({ errors: [{ path: '(bindings)', message: expect.stringMatching(/^no configuration: set ORIGIN = "https:\/\/your-origin" or PORTICO_CONFIG/) as unknown as string }] })
  })

  it('treats an empty ORIGIN as unset when PORTICO_CONFIG is given', () => {
    expect(rawConfigFrom({ ORIGIN: '', PORTICO_CONFIG: { routes: [] } })).toEqual({ raw: { routes: [] } })
  })
})

describe('bindingsOf', () => {
  const env = { SECRET: 's', NUMBER: 3, SVC: { fetch: () => new Response() }, NOT_SVC: { get: () => null } }
  it('reads only string bindings as text', () => {
    const b = bindingsOf(env)
    expect(b.text('SECRET')).toBe('s')
    expect(b.text('NUMBER')).toBeUndefined()
    expect(b.text('MISSING')).toBeUndefined()
  })
  it('counts only bindings with fetch() as services', () => {
    const b = bindingsOf(env)
    expect(b.hasService('SVC')).toBe(true)
    expect(b.hasService('NOT_SVC')).toBe(false)
    expect(b.hasService('SECRET')).toBe(false)
    expect(b.hasService('MISSING')).toBe(false)
  })
})

describe('loadConfig', () => {
  it('compiles the ORIGIN binding into a working config', () => {
    const result = loadConfig({ ORIGIN: 'https://load-test.example.com' })
    expect(result.ok).toBe(true)
    if (result.ok) expect(result.config.routes.map((r) => r.name)).toEqual(['origin'])
  })

  it('reuses the compiled config while the bindings are the same, and recompiles when they change', () => {
    const config = { routes: [{ upstream: 'https://a.example.com' }] }
    const first = loadConfig({ PORTICO_CONFIG: config })
    expect(loadConfig({ PORTICO_CONFIG: config })).toBe(first)
    const other = loadConfig({ PORTICO_CONFIG: { routes: [{ upstream: 'https://b.example.com' }] } })
    expect(other).not.toBe(first)
    expect(other.ok && other.config.routes[0]?.action.kind === 'proxy' && other.config.routes[0].action.pool.upstreams[0]).toMatchObject({ origin: 'https://b.example.com' })
  })

  it('answers binding problems as config errors', () => {
    expect(loadConfig({ PORTICO_CONFIG: 'not json' })).toMatchObject({ ok: false, errors: [{ path: 'PORTICO_CONFIG' }] })
  })

  it('checks secrets against the env it is given', () => {
    const result = loadConfig({ PORTICO_CONFIG: { routes: [{ upstream: 'https://a.example.com', requestHeaders: { set: { 'X-Key': { secret: 'KEY' } } } }] }, KEY: 'k1' })
    expect(result.ok && result.config.routes[0]?.action.kind === 'proxy' && result.config.routes[0].action.requestHeaders.set).toEqual([['x-key', 'k1']])
  })
})
