import { describe, expect, it } from 'vitest'
import { isSecretHeader, REDACTED, redactHeaders, redactQuery } from './redact.ts'

describe('redactHeaders', () => {
  it.each([
    'Authorization',
    'Proxy-Authorization',
    'Cookie',
    'Set-Cookie',
    'X-Api-Key',
    'api-key',
    'X-Auth-Token',
    'X-CSRF-Token',
    'X-Client-Secret',
    'X-Session-Id',
    'X-Amz-Signature',
    'Cf-Access-Jwt-Assertion',
    'Portico-Debug',
  ])('hides the value of %s', (name) => {
    const out = redactHeaders(new Headers({ [name]: 'very-secret-value', accept: 'text/html' }))
    expect(out[name.toLowerCase()]).toBe(REDACTED)
    expect(out.accept).toBe('text/html')
    expect(JSON.stringify(out)).not.toContain('very-secret-value')
  })

  it.each(['Accept', 'User-Agent', 'Content-Type', 'Traceparent', 'X-Request-Id', 'Host'])('keeps %s', (name) => {
    expect(isSecretHeader(name)).toBe(false)
  })

  it('hides headers named in config as well', () => {
    const extra = { headers: new Set(['x-tenant']), query: new Set<string>() }
    expect(redactHeaders(new Headers({ 'X-Tenant': 'acme' }), extra)).toEqual({ 'x-tenant': REDACTED })
  })
})

describe('redactQuery', () => {
  it.each([
    ['?token=abc&page=2', `?token=${REDACTED}&page=2`],
    ['?access_token=abc', `?access_token=${REDACTED}`],
    ['?api_key=abc&q=shoes', `?api_key=${REDACTED}&q=shoes`],
    ['?apiKey=abc', `?apiKey=${REDACTED}`],
    ['?X-Amz-Signature=abc&X-Amz-Date=1', `?X-Amz-Signature=${REDACTED}&X-Amz-Date=1`],
    ['?sig=abc', `?sig=${REDACTED}`],
    ['?password=hunter2', `?password=${REDACTED}`],
    ['?code=oauth-code&state=xyz', `?code=${REDACTED}&state=xyz`],
    ['?session=s1', `?session=${REDACTED}`],
    ['?%74oken=abc', `?%74oken=${REDACTED}`], // a percent-encoded name is judged decoded
    ['?q=a%20b&sort=asc', '?q=a%20b&sort=asc'], // the rest stays as sent
    ['?flag&token', '?flag&token'], // names without values hide nothing
    ['', ''],
  ])('writes %j as %j', (query, want) => {
    expect(redactQuery(query)).toBe(want)
  })

  it('hides parameters named in config as well', () => {
    expect(redactQuery('?email=a@b.example&q=1', { headers: new Set(), query: new Set(['email']) })).toBe(`?email=${REDACTED}&q=1`)
  })
})
