import { describe, expect, it } from 'vitest'
import { isAdmin } from './auth.ts'

const TOKEN = 'correct-horse-battery-staple'

describe('isAdmin', () => {
  it.each([
    [`Bearer ${TOKEN}`, TOKEN, true],
    [`bearer ${TOKEN}`, TOKEN, true], // the scheme is case-insensitive (RFC 9110 section 11.1)
    [`  Bearer   ${TOKEN}  `, TOKEN, true],
    [`Bearer ${TOKEN}x`, TOKEN, false],
    [`Bearer ${TOKEN.slice(0, -1)}`, TOKEN, false],
    ['Bearer short', TOKEN, false],
    [`Bearer ${TOKEN.toUpperCase()}`, TOKEN, false],
    [`Basic ${btoa(`admin:${TOKEN}`)}`, TOKEN, false],
    [TOKEN, TOKEN, false], // no scheme
    ['Bearer ', TOKEN, false],
    [null, TOKEN, false],
    [`Bearer ${TOKEN}`, undefined, false], // admin API off
    ['Bearer ', '', false],
  ] as const)('accepts Authorization %j for token %j: %s', async (authorization, token, want) => {
    expect(await isAdmin(authorization, token)).toBe(want)
  })
})
