import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { beforeAll, describe, expect, it } from 'vitest'
import { claimedIssuer, claimHeaderValue, verifyJwt, type IssuerPolicy } from './jwt.ts'

const NOW_MS = Date.UTC(2026, 0, 15, 12, 0, 0)
const NOW = NOW_MS / 1000
const ISS = 'https://auth.example.test/'
const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

let rsa: { publicKey: CryptoKey; privateKey: CryptoKey }
let rsaJwk: JWK
let es: { publicKey: CryptoKey; privateKey: CryptoKey }
let ed: { publicKey: CryptoKey; privateKey: CryptoKey }
let issuer: IssuerPolicy
let jwks: ReturnType<typeof createLocalJWKSet>
const hmacSecret = new TextEncoder().encode('an HS256 secret of at least thirty-two bytes')
const hmacIssuer: IssuerPolicy = { issuer: 'https://hmac.example.test/', audiences: ['api'], algorithms: ['HS256'], keys: { kind: 'secret', secret: hmacSecret } }

beforeAll(async () => {
  rsa = await generateKeyPair('RS256', { extractable: true })
  es = await generateKeyPair('ES256', { extractable: true })
  ed = await generateKeyPair('EdDSA', { extractable: true })
  rsaJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' }
  const esJwk = { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256' }
  const edJwk = { ...(await exportJWK(ed.publicKey)), kid: 'ed-1', alg: 'EdDSA' }
  jwks = createLocalJWKSet({ keys: [rsaJwk, esJwk, edJwk] })
  issuer = { issuer: ISS, audiences: ['api'], algorithms: ['RS256', 'ES256', 'EdDSA'], keys: { kind: 'jwks', url: 'https://auth.example.test/jwks.json' } }
})

interface Claims {
  iss?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  sub?: string
}

async function token(claims: Claims = {}, alg = 'RS256', kid = 'rsa-1', key?: CryptoKey | Uint8Array): Promise<string> {
  const payload = { iss: ISS, aud: 'api', exp: NOW + 300, sub: 'user-42', ...claims }
  const signingKey = key ?? (alg === 'ES256' ? es.privateKey : alg === 'EdDSA' ? ed.privateKey : rsa.privateKey)
  return await new SignJWT(payload).setProtectedHeader({ alg, kid }).sign(signingKey)
}

const verify = (t: string, who = issuer, skew = 60) => verifyJwt(t, who, who.keys.kind === 'secret' ? who.keys.secret : jwks, NOW_MS, skew)

describe('valid tokens', () => {
  it.each(['RS256', 'ES256', 'EdDSA'])('accepts %s from the JWKS, with its claims', async (alg) => {
    const kid = { RS256: 'rsa-1', ES256: 'es-1', EdDSA: 'ed-1' }[alg] as string
    const outcome = await verify(await token({}, alg, kid))
    expect(outcome.ok).toBe(true)
    if (outcome.ok) expect(outcome.claims.sub).toBe('user-42')
  })

  it('accepts HS256 with the issuer\'s secret', async () => {
    const t = await token({ iss: hmacIssuer.issuer }, 'HS256', 'h', hmacSecret)
    expect((await verify(t, hmacIssuer)).ok).toBe(true)
  })

  it('accepts one audience out of several', async () => {
    expect((await verify(await token({ aud: ['other', 'api'] }))).ok).toBe(true)
  })
})

describe('refused tokens', () => {
  it('refuses alg "none" (an unsigned token)', async () => {
    const unsigned = `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify({ iss: ISS, aud: 'api', exp: NOW + 300, sub: 'admin' }))}.`
    expect(claimedIssuer(unsigned, [issuer]).ok).toBe(false)
    expect((await verify(unsigned)).ok).toBe(false)
    const noneIssuer = { ...issuer, algorithms: ['none' as never] }
    expect((await verify(unsigned, noneIssuer)).ok).toBe(false)
  })

  it('refuses HS256 signed with the RSA public key (algorithm confusion)', async () => {
    const pem = new TextEncoder().encode(await exportSPKI(rsa.publicKey))
    const jwkBytes = new TextEncoder().encode(JSON.stringify(rsaJwk))
    for (const secret of [pem, jwkBytes]) {
      const forged = await token({ sub: 'admin' }, 'HS256', 'rsa-1', secret)
      expect(claimedIssuer(forged, [issuer])).toEqual({ ok: false, reason: expect.stringContaining('algorithm') })
      const outcome = await verify(forged)
      expect(outcome.ok).toBe(false)
      // Even an issuer misconfigured to allow HS256 next to RS256 cannot verify it with the JWKS.
      expect((await verify(forged, { ...issuer, algorithms: ['RS256', 'HS256'] })).ok).toBe(false)
    }
  })

  it('refuses an RS256 token for an issuer pinned to ES256', async () => {
    const outcome = await verify(await token(), { ...issuer, algorithms: ['ES256'] })
    expect(outcome).toMatchObject({ ok: false, reason: expect.stringContaining('algorithm') })
  })

  it('refuses a token whose signature was tampered with', async () => {
    const [h, p, s] = (await token()).split('.') as [string, string, string]
    const payload = JSON.parse(atob(p.replace(/-/g, '+').replace(/_/g, '/'))) as Claims
    const tampered = `${h}.${b64url(JSON.stringify({ ...payload, sub: 'admin' }))}.${s}`
    expect(await verify(tampered)).toMatchObject({ ok: false, reason: 'the token signature is invalid' })
  })

  it('refuses an expired token, a token not valid yet, and one without exp', async () => {
    expect(await verify(await token({ exp: NOW - 3600 }))).toMatchObject({ ok: false, reason: 'the token has expired' })
    expect(await verify(await token({ nbf: NOW + 3600 }))).toMatchObject({ ok: false, reason: 'the token is not valid yet' })
    expect(await verify(await token({ exp: undefined }))).toMatchObject({ ok: false })
  })

  it('refuses a wrong issuer and a wrong audience', async () => {
    expect(claimedIssuer(await token({ iss: 'https://evil.example.test/' }), [issuer]).ok).toBe(false)
    expect(await verify(await token({ iss: 'https://evil.example.test/' }))).toMatchObject({ ok: false })
    expect(await verify(await token({ aud: 'other-api' }))).toMatchObject({ ok: false, reason: expect.stringContaining('"aud"') })
    expect(await verify(await token({ aud: undefined }))).toMatchObject({ ok: false })
  })

  it('asks for fresh keys when the token names an unknown key id', async () => {
    expect(await verify(await token({}, 'RS256', 'rotated-2'))).toMatchObject({ ok: false, retryWithFreshKeys: true })
  })

  it('refuses what is not a JWT at all', async () => {
    for (const junk of ['', 'abc', 'a.b.c', 'x.y']) expect(claimedIssuer(junk, [issuer]).ok).toBe(false)
  })
})

describe('clock skew edges (60 s)', () => {
  it('accepts a token that expired 59 s ago, refuses one that expired 60 s ago', async () => {
    expect((await verify(await token({ exp: NOW - 59 }))).ok).toBe(true)
    expect((await verify(await token({ exp: NOW - 60 }))).ok).toBe(false)
  })

  it('accepts a token valid from 60 s ahead, refuses one valid from 61 s ahead', async () => {
    expect((await verify(await token({ nbf: NOW + 60 }))).ok).toBe(true)
    expect((await verify(await token({ nbf: NOW + 61 }))).ok).toBe(false)
  })

  it('with no skew, refuses a token at its exp second', async () => {
    expect((await verify(await token({ exp: NOW }), issuer, 0)).ok).toBe(false)
    expect((await verify(await token({ exp: NOW + 1 }), issuer, 0)).ok).toBe(true)
  })
})

describe('claims as header values', () => {
  it('writes strings as they are, numbers and lists as text, and drops line breaks', () => {
    expect(claimHeaderValue('user-42')).toBe('user-42')
    expect(claimHeaderValue(7)).toBe('7')
    expect(claimHeaderValue(['a', 'b'])).toBe('["a","b"]')
    expect(claimHeaderValue('x\r\nX-Admin: 1')).toBeUndefined()
    expect(claimHeaderValue(undefined)).toBeUndefined()
  })
})
