import { describe, expect, it } from 'vitest'
import { readStickyCookie, stickySetCookie, stickyValue, type StickyConfig } from './sticky-cookie.ts'

const T0 = 1_700_000_000_000
const CFG: StickyConfig = { cookie: 'portico_sticky', ttlSeconds: 3_600, secret: 'sticky-secret-0123456789' }
const KEY = 'https://api-1.internal.example.net/v1'

const cookie = (value: string, name = CFG.cookie) => `theme=dark; ${name}=${value}; other=1`
const read = (header: string | null, over: { pool?: string; cfg?: Partial<StickyConfig>; now?: number } = {}) =>
  readStickyCookie(header, over.pool ?? 'api', { ...CFG, ...over.cfg }, over.now ?? T0 + 1_000)

/** Change one character of a cookie value part: 0 the key, 1 the expiry, 2 the signature. */
function tamper(value: string, part: 0 | 1 | 2, at = 3): string {
  const parts = value.split('.')
  const p = parts[part] as string
  const c = p[at] as string
  const swapped = part === 1 ? String((Number(c) + 1) % 10) : c === 'A' ? 'B' : 'A'
  parts[part] = p.slice(0, at) + swapped + p.slice(at + 1)
  return parts.join('.')
}

const b64url = (text: string) => btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

describe('sticky cookie', () => {
  it.each([KEY, 'service:BACKEND', 'https://münchen.example/ü', 'http://127.0.0.1:8080'])('reads back the upstream it names: %s', async (key) => {
    const value = await stickyValue('api', key, CFG, T0)
    expect(value).toMatch(/^[A-Za-z0-9_-]+\.\d+\.[A-Za-z0-9_-]{22}$/)
    expect(await read(cookie(value))).toBe(key)
  })

  it.each<[string, 0 | 1 | 2]>([
    ['the upstream key', 0],
    ['the expiry', 1],
    ['the signature', 2],
  ])('ignores a cookie whose %s was edited', async (_what, part) => {
    const value = await stickyValue('api', KEY, CFG, T0)
    expect(await read(cookie(tamper(value, part)))).toBeUndefined()
  })

  it('ignores a cookie naming another upstream with a signature copied from a real one', async () => {
    const [, expires, sig] = (await stickyValue('api', KEY, CFG, T0)).split('.')
    expect(await read(cookie(`${b64url('https://api-2.internal.example.net/v1')}.${expires}.${sig}`))).toBeUndefined()
  })

  it('ignores a cookie once it has expired', async () => {
    const value = await stickyValue('api', KEY, CFG, T0)
    const expires = T0 + CFG.ttlSeconds * 1_000
    expect(await read(cookie(value), { now: expires - 1_000 })).toBe(KEY)
    expect(await read(cookie(value), { now: expires })).toBeUndefined()
    expect(await read(cookie(value), { now: expires + 86_400_000 })).toBeUndefined()
  })

  it('ignores a cookie signed for another pool or with another secret', async () => {
    const value = await stickyValue('api', KEY, CFG, T0)
    expect(await read(cookie(value), { pool: 'web' })).toBeUndefined()
    expect(await read(cookie(value), { cfg: { secret: 'rotated-secret' } })).toBeUndefined()
  })

  it.each([
    ['no Cookie header', null],
    ['no cookie of that name', 'theme=dark; portico_other=abc'],
    ['an empty value', 'portico_sticky='],
    ['garbage', 'portico_sticky=not-a-cookie'],
    ['a short signature', 'portico_sticky=YQ.9999999999.abc'],
    ['a key that is not base64url', 'portico_sticky=%%%.9999999999.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a key of impossible length', 'portico_sticky=A.9999999999.AAAAAAAAAAAAAAAAAAAAAA'],
  ])('reads nothing from %s', async (_what, header) => {
    expect(await read(header)).toBeUndefined()
  })

  it('reads only the configured cookie name', async () => {
    const value = await stickyValue('api', KEY, CFG, T0)
    expect(await read(cookie(value, 'portico_sticky'), { cfg: { cookie: 'lb' } })).toBeUndefined()
    expect(await read(cookie(value, 'lb'), { cfg: { cookie: 'lb' } })).toBe(KEY)
  })

  it.each([
    [true, `portico_sticky=VALUE; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure`],
    [false, `portico_sticky=VALUE; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`],
  ])('sets the cookie for the whole site, HttpOnly, SameSite=Lax, for ttlSeconds; Secure only over https (%s)', async (secure, want) => {
    const header = await stickySetCookie('api', KEY, CFG, T0, secure)
    const value = await stickyValue('api', KEY, CFG, T0)
    expect(header).toBe(want.replace('VALUE', value))
  })
})
