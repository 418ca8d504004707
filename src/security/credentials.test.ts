import { describe, expect, it } from 'vitest'
import { matchApiKey, matchBasic, parseBasic } from './credentials.ts'

const basic = (user: string, password: string) => `Basic ${btoa(String.fromCharCode(...new TextEncoder().encode(`${user}:${password}`)))}`

describe('API keys', () => {
  const keys = [['ci', 'k-ci-0123456789'], ['partner', 'k-partner-abcdef']] as const

  it('names the key that matches', async () => {
    expect(await matchApiKey('k-partner-abcdef', keys)).toBe('partner')
    expect(await matchApiKey('k-ci-0123456789', keys)).toBe('ci')
  })

  it('refuses a wrong, prefix, longer, empty or missing key', async () => {
    for (const wrong of ['k-ci-012345678', 'k-ci-0123456789x', 'K-CI-0123456789', '', null]) expect(await matchApiKey(wrong, keys)).toBeUndefined()
  })
})

describe('Basic authentication', () => {
  const users = [['alice', 'correct horse'], ['bob', 'pässwörd:with:colons']] as const

  it('parses RFC 7617 credentials, UTF-8 and colons in the password', () => {
    expect(parseBasic(basic('bob', 'pässwörd:with:colons'))).toEqual({ user: 'bob', password: 'pässwörd:with:colons' })
    expect(parseBasic('basic   ' + btoa('a:b'))).toEqual({ user: 'a', password: 'b' })
  })

  it.each([null, 'Bearer x', 'Basic', 'Basic !!!', `Basic ${btoa('no-colon')}`, `Basic ${btoa('\xff\xfe:x')}`])('does not parse %s', (header) => {
    expect(parseBasic(header)).toBeUndefined()
  })

  it('accepts the right user and password only', async () => {
    expect(await matchBasic(parseBasic(basic('alice', 'correct horse')), users)).toBe('alice')
    expect(await matchBasic(parseBasic(basic('bob', 'pässwörd:with:colons')), users)).toBe('bob')
    expect(await matchBasic(parseBasic(basic('alice', 'pässwörd:with:colons')), users)).toBeUndefined()
    expect(await matchBasic(parseBasic(basic('carol', 'correct horse')), users)).toBeUndefined()
    expect(await matchBasic(parseBasic(basic('alice', 'correct horse ')), users)).toBeUndefined()
    expect(await matchBasic(undefined, users)).toBeUndefined()
  })
})
