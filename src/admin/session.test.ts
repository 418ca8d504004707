import { describe, expect, it } from 'vitest'
import { endedSessionCookie, hasSession, SESSION_COOKIE, SESSION_TTL_SECONDS, sessionCookie } from './session.ts'

const TOKEN = 'admin-token-for-session-tests'
const NOW = Date.UTC(2026, 10, 1, 12, 0, 0)
const valueOf = (setCookie: string) => setCookie.split(';')[0] as string

describe('status page session cookie', () => {
  it('is HttpOnly, SameSite=Strict, scoped to the admin path and Secure over https', async () => {
    const c = await sessionCookie(TOKEN, NOW, '/_portico', true)
    expect(c).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.[A-Za-z0-9_-]{22}; Path=/_portico; Max-Age=${SESSION_TTL_SECONDS}; HttpOnly; SameSite=Strict; Secure$`))
    expect(await sessionCookie(TOKEN, NOW, '/_portico', false)).not.toContain('Secure')
  })

  it('does not contain the token', async () => {
    expect(await sessionCookie(TOKEN, NOW, '/_portico', true)).not.toContain(TOKEN)
  })

  it('signs a browser in until it expires', async () => {
    const cookie = valueOf(await sessionCookie(TOKEN, NOW, '/_portico', true))
    expect(await hasSession(`a=b; ${cookie}`, TOKEN, NOW)).toBe(true)
    expect(await hasSession(cookie, TOKEN, NOW + SESSION_TTL_SECONDS * 1000 - 1)).toBe(true)
    expect(await hasSession(cookie, TOKEN, NOW + SESSION_TTL_SECONDS * 1000)).toBe(false)
  })

  it('is refused once the admin token changes', async () => {
    const cookie = valueOf(await sessionCookie(TOKEN, NOW, '/_portico', true))
    expect(await hasSession(cookie, `${TOKEN}-rotated`, NOW)).toBe(false)
    expect(await hasSession(cookie, undefined, NOW)).toBe(false)
  })

  it('is refused with a later expiry written in (the signature covers it)', async () => {
    const cookie = valueOf(await sessionCookie(TOKEN, NOW, '/_portico', true))
    const [, value = ''] = cookie.split('=')
    const [expires, mac] = value.split('.')
    expect(await hasSession(`${SESSION_COOKIE}=${Number(expires) + 3600}.${mac}`, TOKEN, NOW)).toBe(false)
  })

  it.each([null, '', `${SESSION_COOKIE}=`, `${SESSION_COOKIE}=garbage`, `${SESSION_COOKIE}=123.`, `${SESSION_COOKIE}=99999999999.AAAAAAAAAAAAAAAAAAAAAA`, 'other=1'])('refuses cookie header %j', async (header) => {
    expect(await hasSession(header, TOKEN, NOW)).toBe(false)
  })

  it('signs out with an expired cookie of the same name and path', () => {
    expect(endedSessionCookie('/_portico', true)).toBe(`${SESSION_COOKIE}=; Path=/_portico; Max-Age=0; HttpOnly; SameSite=Strict; Secure`)
  })
})
