// Edge security through the whole Worker in workerd, before the real loopback origin: path
// normalisation ahead of routing and access, address and country rules, JWTs against a JWKS the
// origin serves (keys made here), API keys and Basic credentials from secrets, size limits, the
// filtering rules, https redirect, HSTS and security headers, CORS, the origin signature, and the
// headers that would poison a cache.
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { echoOf, ORIGIN_URL, problemOf, send, withConfig } from './harness.ts'

const ISS = 'https://auth.example.test/'
const SECRETS = { API_KEY_CI: 'ci-key-0123456789abcdef', ALICE_PASSWORD: 'correct horse battery staple', ORIGIN_SIGNING_KEY: 'origin-signing-secret' }
const now = () => Math.floor(Date.now() / 1000)
const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
let unique = 0
const uniqueName = (what: string) => `${what}-${Date.now()}-${++unique}`

let rsa: { publicKey: CryptoKey; privateKey: CryptoKey }
let rsaJwk: JWK

async function putJwks(name: string, keys: JWK[], cacheControl = 'max-age=300'): Promise<string> {
  const res = await fetch(`${ORIGIN_URL}/jwks/${name}?cc=${encodeURIComponent(cacheControl)}`, { method: 'PUT', body: JSON.stringify({ keys }) })
  expect(res.status).toBe(204)
  return `${ORIGIN_URL}/jwks/${name}`
}
const jwksFetches = async (name: string) => ((await (await fetch(`${ORIGIN_URL}/jwks-hits/${name}`)).json()) as { fetches: number }).fetches

async function signed(claims: Record<string, unknown> = {}, kid = 'rsa-1', key: CryptoKey = rsa.privateKey, alg = 'RS256'): Promise<string> {
  return await new SignJWT({ iss: ISS, aud: 'portico-api', sub: 'user-42', email: 'ann@example.test', exp: now() + 300, ...claims })
    .setProtectedHeader({ alg, kid })
    .sign(key)
}

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true })
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }
})

describe('path normalisation: /admin is reachable only as /admin, and only by those allowed', () => {
  const config = withConfig({
    routes: [
      { name: 'admin', match: { path: '/admin' }, upstream: `${ORIGIN_URL}/echo`, access: { ip: { allow: ['10.0.0.0/8'] } } },
      { name: 'public', upstream: `${ORIGIN_URL}/echo` },
    ],
  })
  const outsider = { headers: { 'cf-connecting-ip': '203.0.113.9' } }

  it.each(['/admin', '/%61dmin', '/%61%64%6D%69%6E', '//admin', '///admin/', '/public/../admin', '/public/%2e%2e/admin', '/./admin/x'])('refuses %s to an outsider (403)', async (path) => {
    const res = await send(`https://example.test${path}`, config, outsider)
    expect(res.status).toBe(403)
    expect((await problemOf(res)).type).toBe('urn:portico:access-denied')
  })

  it.each(['/admin%2f..', '/admin%2F..%2Fsecret', '/public%2f..%2fadmin', '/%252e%252e/admin', '/%c0%ae%c0%ae/admin', '/public/..;/admin'])('refuses %s as malformed (400)', async (path) => {
    const res = await send(`https://example.test${path}`, config, outsider)
    expect(res.status).toBe(400)
    expect((await problemOf(res)).type).toBe('urn:portico:path-invalid')
  })

  it('forwards the normalised path to the origin for an allowed client', async () => {
    const res = await send('https://example.test//%61dmin//users/./x/../y', config, { headers: { 'cf-connecting-ip': '10.1.2.3' } })
    expect(res.status).toBe(200)
    expect((await echoOf(res)).url).toBe('/echo/admin/users/y')
  })

  it('keeps an encoded slash as part of a segment when told to, so it cannot reach /admin', async () => {
    const keep = withConfig({
      paths: { encodedSlashes: 'keep' },
      routes: [
        { match: { path: '/admin' }, upstream: `${ORIGIN_URL}/echo`, access: { ip: { allow: ['10.0.0.0/8'] } } },
        { upstream: `${ORIGIN_URL}/echo` },
      ],
    })
    const res = await send('https://example.test/public%2f..%2fadmin', keep, outsider)
    expect(res.status).toBe(200)
    expect((await echoOf(res)).url).toBe('/echo/public%2F..%2Fadmin')
  })
})

describe('address and country rules', () => {
  const config = withConfig({
    routes: [
      { match: { path: '/net' }, upstream: `${ORIGIN_URL}/echo`, access: { ip: { allow: ['10.0.0.0/8', '2001:db8::/32'], deny: ['10.6.6.0/24'] } } },
      { match: { path: '/geo' }, upstream: `${ORIGIN_URL}/echo`, access: { countries: { allow: ['DE', 'FR'] } } },
      { match: { path: '/not-tor' }, upstream: `${ORIGIN_URL}/echo`, access: { countries: { deny: ['T1'] } } },
    ],
  })
  const from = (ip: string | undefined, country?: string): RequestInit => {
    const headers: Record<string, string> = ip ? { 'cf-connecting-ip': ip } : {}
    return country ? { headers, cf: { country } as IncomingRequestCfProperties } : { headers }
  }

  it.each([
    ['10.1.2.3', 200],
    ['::ffff:10.1.2.3', 200],
    ['2001:db8:1::5', 200],
    ['10.6.6.7', 403],
    ['::ffff:10.6.6.7', 403],
    ['11.0.0.1', 403],
    ['2001:db9::1', 403],
    [undefined, 403],
  ] as const)('client %s gets %i', async (ip, status) => {
    expect((await send('https://example.test/net', config, from(ip))).status).toBe(status)
  })

  it('allows listed countries only, and refuses an unknown one', async () => {
    expect((await send('https://example.test/geo', config, from('1.1.1.1', 'DE'))).status).toBe(200)
    expect((await send('https://example.test/geo', config, from('1.1.1.1', 'US'))).status).toBe(403)
    expect((await send('https://example.test/geo', config, from('1.1.1.1'))).status).toBe(403)
    expect((await send('https://example.test/not-tor', config, from('1.1.1.1', 'T1'))).status).toBe(403)
    expect((await send('https://example.test/not-tor', config, from('1.1.1.1'))).status).toBe(200)
  })
})

describe('JWT', () => {
  const jwtConfig = (jwksUrl: string, extra: Record<string, unknown> = {}) =>
    withConfig({
      routes: [
        {
          upstream: `${ORIGIN_URL}/echo`,
          access: { jwt: { issuers: [{ issuer: ISS, audience: 'portico-api', algorithms: ['RS256'], jwksUrl }], forwardClaims: { sub: 'X-User-Id', email: 'X-User-Email' }, ...extra } },
        },
      ],
    })

  it('lets a valid token through and tells the origin who it is, never what the client claimed', async () => {
    const config = jwtConfig(await putJwks(uniqueName('ok'), [rsaJwk]))
    const res = await send('https://example.test/x', config, { headers: { authorization: `Bearer ${await signed()}`, 'x-user-id': 'admin' } })
    expect(res.status).toBe(200)
    const { headers } = await echoOf(res)
    expect(headers['x-user-id']).toBe('user-42')
    expect(headers['x-user-email']).toBe('ann@example.test')
    expect(headers.authorization).toMatch(/^Bearer /)
  })

  it('answers 401 with a Bearer challenge without a token, and strips a forged identity header', async () => {
    const config = jwtConfig(await putJwks(uniqueName('none'), [rsaJwk]))
    const res = await send('https://example.test/x', config, { headers: { 'x-user-id': 'admin' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Bearer realm="portico"')
    expect((await problemOf(res)).type).toBe('urn:portico:unauthorized')
  })

  it.each([
    ['expired', () => signed({ exp: now() - 3600 }), 'expired'],
    ['not yet valid', () => signed({ nbf: now() + 3600 }), 'not valid yet'],
    ['for another audience', () => signed({ aud: 'other-api' }), '"aud"'],
    ['from another issuer', () => signed({ iss: 'https://evil.example.test/' }), 'issuer'],
  ])('refuses a token %s with invalid_token', async (_, make, reason) => {
    const config = jwtConfig(await putJwks(uniqueName('bad'), [rsaJwk]))
    const res = await send('https://example.test/x', config, { headers: { authorization: `Bearer ${await make()}` } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"')
    expect((await problemOf(res)).detail).toContain(reason)
  })

  it('refuses alg "none" and an HS256 token signed with the RSA public key', async () => {
    const config = jwtConfig(await putJwks(uniqueName('alg'), [rsaJwk]))
    const unsigned = `${b64url(JSON.stringify({ alg: 'none' }))}.${b64url(JSON.stringify({ iss: ISS, aud: 'portico-api', sub: 'admin', exp: now() + 300 }))}.`
    const confused = await signed({ sub: 'admin' }, 'rsa-1', new TextEncoder().encode(await exportSPKI(rsa.publicKey)) as unknown as CryptoKey, 'HS256')
    for (const token of [unsigned, confused]) {
      const res = await send('https://example.test/x', config, { headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(401)
    }
  })

  it('fetches the JWKS once per isolate while it is fresh', async () => {
    const name = uniqueName('cached')
    const config = jwtConfig(await putJwks(name, [rsaJwk], 'max-age=600'))
    for (let i = 0; i < 3; i++) expect((await send('https://example.test/x', config, { headers: { authorization: `Bearer ${await signed()}` } })).status).toBe(200)
    expect(await jwksFetches(name)).toBe(1)
  })

  it('picks up a rotated key at once: an unknown key id fetches the JWKS again', async () => {
    const name = uniqueName('rotate')
    const config = jwtConfig(await putJwks(name, [rsaJwk]))
    expect((await send('https://example.test/x', config, { headers: { authorization: `Bearer ${await signed()}` } })).status).toBe(200)
    const next = await generateKeyPair('RS256', { extractable: true })
    await putJwks(name, [rsaJwk, { ...(await exportJWK(next.publicKey)), kid: 'rsa-2', alg: 'RS256' }])
    const res = await send('https://example.test/x', config, { headers: { authorization: `Bearer ${await signed({}, 'rsa-2', next.privateKey)}` } })
    expect(res.status).toBe(200)
    expect(await jwksFetches(name)).toBe(2)
  })

  it('answers 503 when the issuer\'s keys cannot be fetched', async () => {
    const config = jwtConfig(`${ORIGIN_URL}/jwks/${uniqueName('missing')}`)
    const res = await send('https://example.test/x', config, { headers: { authorization: `Bearer ${await signed()}` } })
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
  })

  it('takes the token from a cookie when configured', async () => {
    const config = jwtConfig(await putJwks(uniqueName('cookie'), [rsaJwk]), { cookie: 'session' })
    const res = await send('https://example.test/x', config, { headers: { cookie: `theme=dark; session=${await signed()}` } })
    expect(res.status).toBe(200)
  })
})

describe('API keys and Basic credentials from secrets', () => {
  const config = withConfig(
    {
      routes: [
        { match: { path: '/api' }, upstream: `${ORIGIN_URL}/echo`, access: { apiKeys: { keys: { ci: { secret: 'API_KEY_CI' } } } } },
        { match: { path: '/staff' }, upstream: `${ORIGIN_URL}/echo`, access: { basicAuth: { realm: 'Staff', users: { alice: { secret: 'ALICE_PASSWORD' } } } } },
      ],
    },
    SECRETS,
  )
  const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`

  it('accepts the key, names it to the origin and does not pass the key on', async () => {
    const res = await send('https://example.test/api', config, { headers: { 'x-api-key': SECRETS.API_KEY_CI, 'x-api-key-name': 'root' } })
    expect(res.status).toBe(200)
    const { headers } = await echoOf(res)
    expect(headers['x-api-key-name']).toBe('ci')
    expect(headers['x-api-key']).toBeUndefined()
  })

  it('refuses a wrong or missing key with 401', async () => {
    for (const headers of [{ 'x-api-key': 'guess' }, {}] as Array<Record<string, string>>) {
      const res = await send('https://example.test/api', config, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('ApiKey header="x-api-key"')
    }
  })

  it('accepts the right user and password, names the user, and removes Authorization', async () => {
    const res = await send('https://example.test/staff', config, { headers: { authorization: basic('alice', SECRETS.ALICE_PASSWORD) } })
    expect(res.status).toBe(200)
    const { headers } = await echoOf(res)
    expect(headers['x-authenticated-user']).toBe('alice')
    expect(headers.authorization).toBeUndefined()
  })

  it('refuses a wrong password with a Basic challenge', async () => {
    const res = await send('https://example.test/staff', config, { headers: { authorization: basic('alice', 'wrong') } })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Staff", charset="UTF-8"')
  })
})

describe('request limits', () => {
  const config = withConfig({
    routes: [{ upstream: `${ORIGIN_URL}/echo`, limits: { maxUrlBytes: 256, maxHeaderCount: 20, maxBodyBytes: 1024, methods: ['GET', 'POST'] } }],
  })

  it('answers 414, 431, 413 and 405 with problem+json', async () => {
    const cases: Array<[string, RequestInit, number]> = [
      [`/x?${'a'.repeat(300)}`, {}, 414],
      ['/x', { headers: Object.fromEntries(Array.from({ length: 25 }, (_, i) => [`x-h${i}`, '1'])) }, 431],
      ['/x', { method: 'POST', body: 'b'.repeat(2048) }, 413],
      ['/x', { method: 'DELETE' }, 405],
    ]
    for (const [path, init, status] of cases) {
      const res = await send(`https://example.test${path}`, config, init)
      expect(res.status, path).toBe(status)
      expect((await problemOf(res)).status).toBe(status)
    }
  })

  it('passes a body within the limit, and cuts off a streamed body past it with 413', async () => {
    expect((await echoOf(await send('https://example.test/x', config, { method: 'POST', body: 'b'.repeat(1024) }))).bodyBytes).toBe(1024)
    const stream = (bytes: number) => {
      let sent = 0
      return new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent >= bytes) return c.close()
          sent += 256
          c.enqueue(new Uint8Array(256).fill(98))
        },
      })
    }
    expect((await echoOf(await send('https://example.test/x', config, { method: 'POST', body: stream(1024) }))).bodyBytes).toBe(1024)
    const res = await send('https://example.test/x', config, { method: 'POST', body: stream(64 * 1024) })
    expect(res.status).toBe(413)
  })
})

describe('filtering rules', () => {
  const config = (mode: 'block' | 'log') =>
    withConfig({ routes: [{ upstream: `${ORIGIN_URL}/echo`, filter: { mode, bundled: ['sqli', 'xss'], rules: [{ id: 'no-scanners', in: ['header:User-Agent'], pattern: 'sqlmap|nikto' }] } }] })

  it('blocks probes in the query, the body and a header with 403', async () => {
    for (const [path, init] of [
      ["/search?q=1' OR '1'='1", {}],
      ['/search?q=%3Cscript%3Ealert(1)%3C/script%3E', {}],
      ['/comment', { method: 'POST', body: 'text=<img src=x onerror=alert(1)>' }],
      ['/', { headers: { 'user-agent': 'sqlmap/1.7' } }],
    ] as Array<[string, RequestInit]>) {
      const res = await send(`https://example.test${path}`, config('block'), init)
      expect(res.status, path).toBe(403)
      expect((await problemOf(res)).type).toBe('urn:portico:request-blocked')
    }
  })

  it('lets look-alikes through, with the body intact after its first bytes were inspected', async () => {
    const body = `name=O'Reilly&note=${'x'.repeat(20_000)}`
    const res = await send("https://example.test/search?q=rock 'n' roll&who=O'Reilly", config('block'), { method: 'POST', body })
    expect(res.status).toBe(200)
    const echo = await echoOf(res)
    const digest = [...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)))].map((b) => b.toString(16).padStart(2, '0')).join('')
    expect(echo.bodySha256).toBe(digest)
  })

  it('in log mode passes a probe on to the origin', async () => {
    const res = await send("https://example.test/search?q=1' OR '1'='1", config('log'))
    expect(res.status).toBe(200)
  })
})

describe('shielding', () => {
  const config = withConfig(
    {
      routes: [
        { match: { path: '/app' }, upstream: `${ORIGIN_URL}/echo`, shield: { securityHeaders: { 'Content-Security-Policy': "default-src 'self'", 'X-XSS-Protection': false } } },
        { match: { path: '/signed' }, upstream: `${ORIGIN_URL}/echo`, shield: { httpsRedirect: false, originSignature: { secret: { secret: 'ORIGIN_SIGNING_KEY' } } } },
        { match: { path: '/cors' }, upstream: `${ORIGIN_URL}/echo`, cors: { origins: ['https://app.example.test'], credentials: true, exposeHeaders: ['X-Total'] } },
      ],
    },
    SECRETS,
  )

  it('redirects plain http to https, keeping the method of a POST', async () => {
    const get = await send('http://example.test/app/page?a=1', config)
    expect([get.status, get.headers.get('location')]).toEqual([301, 'https://example.test/app/page?a=1'])
    expect((await send('http://example.test/app/form', config, { method: 'POST', body: 'x' })).status).toBe(308)
  })

  it('adds HSTS and the security headers over https', async () => {
    const res = await send('https://example.test/app', config)
    expect(res.status).toBe(200)
    expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'self'")
    expect(res.headers.has('x-xss-protection')).toBe(false)
  })

  it('signs the request so the origin can verify it came through Portico, replacing a forged signature', async () => {
    const res = await send('https://example.test/signed/a?b=1', config, { method: 'POST', body: 'x', headers: { 'portico-signature': 't=1;v1=00' } })
    const echo = await echoOf(res)
    const m = /^t=(\d+);v1=([0-9a-f]{64})$/.exec(echo.headers['portico-signature'] ?? '')
    expect(m).not.toBeNull()
    expect(Math.abs(Number(m?.[1]) - now())).toBeLessThan(60)
    const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(SECRETS.ORIGIN_SIGNING_KEY), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify'])
    const mac = Uint8Array.from((m?.[2] ?? '').match(/../g) ?? [], (h) => Number.parseInt(h, 16))
    expect(await crypto.subtle.verify('HMAC', key, mac, new TextEncoder().encode(`${m?.[1]}\n${echo.method}\n${echo.url}`))).toBe(true)
    expect(echo.url).toBe('/echo/signed/a?b=1')
  })

  it('answers a CORS preflight itself and grants only the listed origin', async () => {
    const preflight = (origin: string) => send('https://example.test/cors', config, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
    const ok = await preflight('https://app.example.test')
    expect(ok.status).toBe(204)
    expect(ok.headers.get('access-control-allow-origin')).toBe('https://app.example.test')
    expect(ok.headers.get('access-control-allow-credentials')).toBe('true')
    expect((await preflight('https://evil.example')).headers.has('access-control-allow-origin')).toBe(false)
    const actual = await send('https://example.test/cors', config, { headers: { origin: 'https://app.example.test' } })
    expect(actual.headers.get('access-control-allow-origin')).toBe('https://app.example.test')
    expect(actual.headers.get('access-control-expose-headers')).toBe('X-Total')
    expect(actual.headers.get('vary')).toContain('Origin')
  })
})

describe('cache poisoning defences', () => {
  const poison = { 'x-original-url': '/admin', 'x-rewrite-url': '/admin', 'x-http-method-override': 'DELETE', 'x-forwarded-server': 'evil.example', 'x-host': 'evil.example' }

  it('strips override headers that are not in the cache key before the origin sees them', async () => {
    const res = await send('https://example.test/x', withConfig({ routes: [{ upstream: `${ORIGIN_URL}/echo` }] }), { headers: poison })
    const { headers } = await echoOf(res)
    for (const name of Object.keys(poison)) expect(headers[name], name).toBeUndefined()
  })

  it('keys the cache on an override header that is kept, so one client\'s value is not served to another', async () => {
    const path = `/keyed-${uniqueName('p')}`
    const config = withConfig({ forwarding: { keepRequestHeaders: ['X-HTTP-Method-Override'] }, routes: [{ upstream: `${ORIGIN_URL}/echo`, cache: { edgeTtlSeconds: 60 } }] })
    const first = await send(`https://example.test${path}`, config, { headers: { 'x-http-method-override': 'DELETE' } })
    expect((await echoOf(first)).headers['x-http-method-override']).toBe('DELETE')
    const other = await send(`https://example.test${path}`, config)
    expect(other.headers.get('cache-status')).not.toContain('hit')
    expect((await echoOf(other)).headers['x-http-method-override']).toBeUndefined()
  })
})
