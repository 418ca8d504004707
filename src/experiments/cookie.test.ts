import { describe, expect, it } from 'vitest'
import { b64url } from '../http/hmac.ts'
import { assignmentCookie, cookieName, newVisitorId, readAssignment, type Remembered } from './cookie.ts'

const SECRET = 'experiments-secret-0123456789abcdef'
const TTL_SECONDS = 86_400
const ME: Remembered = { visitor: '0123456789abcdef0123456789abcdef', variant: 'canary' }

/** The cookie's value (name=value, before the attributes) of a Set-Cookie header. */
const pairOf = (setCookie: string) => setCookie.split(';')[0] as string
const valueOf = (setCookie: string) => pairOf(setCookie).slice(pairOf(setCookie).indexOf('=') + 1)
const issue = (r: Remembered = ME, experiment = 'checkout', secret = SECRET) => assignmentCookie(experiment, r, secret, TTL_SECONDS, true)

/** Change one character of part 0 (visitor), 1 (variant) or 2 (signature) of a cookie value. */
function tamper(value: string, part: 0 | 1 | 2, at = 3): string {
  const parts = value.split('.')
  const p = parts[part] as string
  const c = p[at] as string
  parts[part] = p.slice(0, at) + (c === 'A' ? 'B' : 'A') + p.slice(at + 1)
  return parts.join('.')
}

describe('the assignment cookie', () => {
  it('is named per experiment', () => {
    expect(cookieName('checkout')).toBe('portico_ab_checkout')
  })

  it('reads back the visitor and variant it was issued with, among other cookies', async () => {
    const setCookie = await issue()
    expect(setCookie).toMatch(/^portico_ab_checkout=0123456789abcdef0123456789abcdef\.canary\.[A-Za-z0-9_-]{22}; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax; Secure$/)
    expect(await readAssignment(`theme=dark; ${pairOf(setCookie)}; other=1`, 'checkout', SECRET)).toEqual(ME)
  })

  it('leaves Secure off for plain http', async () => {
    expect(await assignmentCookie('checkout', ME, SECRET, TTL_SECONDS, false)).toMatch(/; SameSite=Lax$/)
  })

  it.each(['control', 'v-2', 'B_variant', 'x'])('round-trips variant %s', async (variant) => {
    const r = { visitor: newVisitorId(), variant }
    expect(await readAssignment(pairOf(await issue(r)), 'checkout', SECRET)).toEqual(r)
  })

  it.each<[string, 0 | 1 | 2]>([
    ['visitor id', 0],
    ['variant', 1],
    ['signature', 2],
  ])('is ignored when its %s was edited', async (_what, part) => {
    const value = valueOf(await issue())
    expect(await readAssignment(`portico_ab_checkout=${tamper(value, part, part === 1 ? 0 : 3)}`, 'checkout', SECRET)).toBeUndefined()
  })

  it('is ignored when it names another variant with the signature of a real one', async () => {
    const [visitor, , sig] = valueOf(await issue()).split('.')
    expect(await readAssignment(`portico_ab_checkout=${visitor}.control.${sig}`, 'checkout', SECRET)).toBeUndefined()
  })

  it('is ignored when it is signed by the client with a guessed key', async () => {
    const forged = valueOf(await issue(ME, 'checkout', 'guessed-secret'))
    expect(await readAssignment(`portico_ab_checkout=${forged}`, 'checkout', SECRET)).toBeUndefined()
  })

  it('is ignored when moved to another experiment or read with another (rotated) secret', async () => {
    const value = valueOf(await issue())
    expect(await readAssignment(`portico_ab_banner=${value}`, 'banner', SECRET)).toBeUndefined()
    expect(await readAssignment(`portico_ab_checkout=${value}`, 'checkout', 'rotated-secret-0123456789')).toBeUndefined()
  })

  it.each([
    ['no Cookie header', null],
    ['no such cookie', 'theme=dark'],
    ['an empty value', 'portico_ab_checkout='],
    ['two parts', 'portico_ab_checkout=0123456789abcdef.canary'],
    ['four parts', `portico_ab_checkout=0123456789abcdef.canary.${'A'.repeat(22)}.x`],
    ['a visitor id too short', `portico_ab_checkout=short.canary.${'A'.repeat(22)}`],
    ['a signature too short', `portico_ab_checkout=0123456789abcdef.canary.${'A'.repeat(21)}`],
    ['a signature that is not base64url', `portico_ab_checkout=0123456789abcdef.canary.${'+'.repeat(22)}`],
    ['a variant with characters outside names', `portico_ab_checkout=0123456789abcdef.can%20ary.${'A'.repeat(22)}`],
    ['a cookie whose name only starts alike', `portico_ab_checkout2=0123456789abcdef.canary.${'A'.repeat(22)}`],
  ])('is absent with %s', async (_what, header) => {
    expect(await readAssignment(header, 'checkout', SECRET)).toBeUndefined()
  })

  it('is ignored when a signature of the right length is made up', async () => {
    const made = b64url(new Uint8Array(16).fill(7))
    expect(await readAssignment(`portico_ab_checkout=0123456789abcdef.canary.${made}`, 'checkout', SECRET)).toBeUndefined()
  })
})

describe('newVisitorId', () => {
  it('makes random ids (a UUID v4 in hex: 122 random bits) that a cookie accepts, each different', () => {
    const ids = new Set(Array.from({ length: 1_000 }, () => newVisitorId()))
    expect(ids.size).toBe(1_000)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/)
  })
})
