// The security stages of the pipeline. Before routing: the path is normalised (or the request
// refused). After routing, the gates, each answering a Response to stop or nothing to go on:
// https redirect and CORS preflight, access (address, country, credentials), size limits,
// filtering rules. Then the request the origin gets: normalised URL, unkeyed override headers
// and spent credentials removed, verified identity added, body counted against its limit. And
// on the way out, HSTS, security headers and CORS headers. Decisions are in the pure files
// beside this one; this file reads the request and makes the responses.
import { countBody } from '../http/body-limit.ts'
import { concatBytes } from '../http/bytes.ts'
import { cookieValue } from '../http/cookie.ts'
import { readUpTo } from '../http/read.ts'
import { problem } from '../http/problem.ts'
import { matchApiKey, matchBasic, parseBasic } from './credentials.ts'
import { corsResponseHeaders, isPreflight, preflightResponse, type CorsPolicy } from './cors.ts'
import { inspectRequest, type FilterPolicy } from './filter.ts'
import { jwksFor } from './jwks-fetch.ts'
import { claimedIssuer, claimHeaderValue, verifyJwt, type VerificationKey } from './jwt.ts'
import { checkLimits, type LimitsPolicy } from './limits.ts'
import { normalisePath, type PathPolicy } from './path-normalise.ts'
import { API_KEY_NAME_HEADER, BASIC_USER_HEADER, type AccessPolicy, type JwtPolicy } from './policy.ts'
import { httpsRedirect, shieldResponseHeaders, type ShieldPolicy } from './shield.ts'

/** The request URL with its path normalised (a new URL when it changes; `received` stays as sent), or the 400 that refuses it. */
export function normaliseUrl(req: Request, received: URL, policy: PathPolicy): { url: URL; stop?: undefined } | { stop: Response } {
  const result = normalisePath(received.pathname, policy)
  if (!result.ok) return { stop: problem(400, 'path-invalid', { detail: `Refused: ${result.reason}.`, accept: req.headers.get('accept') }) }
  if (result.path === received.pathname) return { url: received }
  const url = new URL(received)
  url.pathname = result.path
  return { url }
}

/** Plain http on a route that wants https, or a CORS preflight: answered here. */
export function answerEarly(req: Request, url: URL, shield: ShieldPolicy | undefined, cors: CorsPolicy | undefined): Response | undefined {
  const redirect = httpsRedirect(url, req.method, shield)
  if (redirect) return new Response(null, { status: redirect.status, headers: { location: redirect.location } })
  if (cors && isPreflight(req.method, req.headers)) return preflightResponse(req.headers, cors)
  return undefined
}

export interface AccessOutcome {
  stop?: Response
  /** The verified JWT's claims (for rate-limit keys). */
  claims?: Record<string, unknown>
  /** Headers for the origin naming who was verified. */
  identity: ReadonlyArray<readonly [string, string]>
  /** Request headers not to pass on: client copies of identity headers, credentials spent here. */
  remove: readonly string[]
}

const OPEN: AccessOutcome = { identity: [], remove: [] }

export async function checkAccess(req: Request, policy: AccessPolicy | undefined, nowMs: number): Promise<AccessOutcome> {
  if (!policy) return OPEN
  const accept = req.headers.get('accept')
  const deny = (detail: string): AccessOutcome => ({ stop: problem(403, 'access-denied', { title: 'Forbidden', detail, accept }), identity: [], remove: [] })
  const ip = req.headers.get('cf-connecting-ip') ?? undefined
  if (policy.ipDeny?.has(ip)) return deny('Requests from this address are not allowed here.')
  if (policy.ipAllow && !policy.ipAllow.has(ip)) return deny('Requests from this address are not allowed here.')
  const country = (req.cf as { country?: string } | undefined)?.country?.toUpperCase()
  if (policy.countryDeny && country !== undefined && policy.countryDeny.has(country)) return deny('Requests from this country are not allowed here.')
  if (policy.countryAllow && (country === undefined || !policy.countryAllow.has(country))) return deny('Requests from this country are not allowed here.')

  if (!policy.jwt && !policy.apiKeys && !policy.basicAuth) return { identity: [], remove: policy.identityHeaders }
  const remove = [...policy.identityHeaders]
  const failures: string[] = []
  let bearerError: string | undefined

  if (policy.apiKeys) {
    const presented = req.headers.get(policy.apiKeys.header)
    remove.push(policy.apiKeys.header)
    if (presented !== null) {
      const name = await matchApiKey(presented, policy.apiKeys.keys)
      if (name !== undefined) return { identity: [[API_KEY_NAME_HEADER, name]], remove }
      failures.push('the API key is not valid')
    }
  }
  const authorization = req.headers.get('authorization')
  if (policy.basicAuth && /^basic\s/i.test(authorization ?? '')) {
    const user = await matchBasic(parseBasic(authorization), policy.basicAuth.users)
    if (user !== undefined) return { identity: [[BASIC_USER_HEADER, user]], remove: [...remove, 'authorization'] }
    failures.push('the user name or password is not valid')
  }
  if (policy.jwt) {
    // An empty cookie value is no token.
    const token = bearerToken(authorization) ?? ((policy.jwt.cookie && cookieValue(req.headers.get('cookie'), policy.jwt.cookie)) || undefined)
    if (token !== undefined) {
      const outcome = await checkJwt(token, policy.jwt, nowMs)
      if (outcome.unavailable) {
        return { stop: problem(503, 'credentials-unverifiable', { detail: 'The token issuer\'s keys cannot be fetched right now; try again shortly.', accept, headers: { 'retry-after': '5' } }), identity: [], remove: [] }
      }
      if (outcome.claims) {
        const identity: Array<readonly [string, string]> = []
        for (const [claim, header] of policy.jwt.forwardClaims) {
          const value = claimHeaderValue(outcome.claims[claim])
          if (value !== undefined) identity.push([header, value])
        }
        return { claims: outcome.claims, identity, remove }
      }
      bearerError = outcome.reason
      failures.push(outcome.reason ?? 'the token is not valid')
    }
  }
  const detail = failures.length > 0 ? `The credentials are not valid: ${failures.join('; ')}.` : 'This route needs credentials.'
  return { stop: problem(401, 'unauthorized', { title: 'Unauthorized', detail, accept, headers: challenges(policy, bearerError) }), identity: [], remove: [] }
}

/** RFC 9110 section 11.6.1: one challenge per scheme the route accepts; RFC 6750 section 3 for Bearer. */
function challenges(policy: AccessPolicy, bearerError: string | undefined): Headers {
  const headers = new Headers()
  if (policy.jwt) {
    const error = bearerError ? `, error="invalid_token", error_description="${bearerError.replace(/["\\]/g, '')}"` : ''
    headers.append('www-authenticate', `Bearer realm="portico"${error}`)
  }
  if (policy.basicAuth) headers.append('www-authenticate', `Basic realm="${policy.basicAuth.realm}", charset="UTF-8"`)
  if (policy.apiKeys) headers.append('www-authenticate', `ApiKey header="${policy.apiKeys.header}"`)
  return headers
}

async function checkJwt(token: string, policy: JwtPolicy, nowMs: number): Promise<{ claims?: Record<string, unknown>; reason?: string; unavailable?: boolean }> {
  const claimed = claimedIssuer(token, policy.issuers)
  if (!claimed.ok) return { reason: claimed.reason }
  const issuer = claimed.issuer
  const keyFor = async (unknownKeyId: boolean): Promise<VerificationKey | undefined> =>
    issuer.keys.kind === 'secret' ? issuer.keys.secret : await jwksFor(issuer.keys.url, nowMs, unknownKeyId)
  let key = await keyFor(false)
  if (!key) return { unavailable: true }
  let outcome = await verifyJwt(token, issuer, key, nowMs, policy.clockSkewSeconds)
  if (!outcome.ok && outcome.retryWithFreshKeys) {
    key = await keyFor(true) // the issuer may have rotated its keys since this isolate fetched them
    if (key) outcome = await verifyJwt(token, issuer, key, nowMs, policy.clockSkewSeconds)
  }
  return outcome.ok ? { claims: outcome.claims as Record<string, unknown> } : { reason: outcome.reason }
}

function bearerToken(authorization: string | null): string | undefined {
  const m = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i.exec(authorization ?? '')
  return m?.[1]
}

/** URL length (of the target as received, before normalising), header count and size, method, declared body size. */
export function limitRequest(req: Request, received: URL, policy: LimitsPolicy | undefined): Response | undefined {
  if (!policy) return undefined
  const violation = checkLimits({ method: req.method, target: received.pathname + received.search, headers: req.headers }, policy)
  if (!violation) return undefined
  return problem(violation.status, violation.type, { title: LIMIT_TITLES[violation.status], detail: violation.detail, accept: req.headers.get('accept'), headers: violation.headers })
}

const LIMIT_TITLES: Record<number, string> = { 405: 'Method Not Allowed', 413: 'Content Too Large', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' }

/** Run the filtering rules; log-only matches are logged, a blocking match gets 403. */
export async function filterRequest(req: Request, url: URL, policy: FilterPolicy | undefined, requestId: string): Promise<Response | undefined> {
  if (!policy) return undefined
  const body = policy.bodyPrefixBytes > 0 && req.body !== null ? await readPrefix(req.clone(), policy.bodyPrefixBytes) : undefined
  const { block, logged } = inspectRequest({ path: url.pathname, query: url.search.slice(1), headers: req.headers, body }, policy)
  for (const hit of logged) console.log(JSON.stringify({ level: 'warn', message: 'filter rule matched (log only)', requestId, ...hit }))
  if (!block) return undefined
  console.log(JSON.stringify({ level: 'warn', message: 'request blocked by filter rule', requestId, ...block }))
  return problem(403, 'request-blocked', { title: 'Forbidden', detail: `This request matched a filtering rule (request id ${requestId}).`, accept: req.headers.get('accept') })
}

/** The first `max` bytes of a (cloned) body as text; the clone is cancelled, the original streams on. */
async function readPrefix(copy: Request, max: number): Promise<string> {
  const prefix = await readUpTo(copy.body as ReadableStream<Uint8Array>, max)
  await prefix.reader.cancel().catch(() => {})
  return utf8.decode(concatBytes(prefix.chunks, prefix.size).subarray(0, max))
}

const utf8 = new TextDecoder()

/**
 * The request the origin (and the cache) get: the normalised URL; unkeyed override headers,
 * client copies of identity headers and credentials spent here removed; the verified identity
 * added; a body without Content-Length counted against maxBodyBytes as it streams.
 */
export function requestForOrigin(req: Request, url: URL, strip: readonly string[], access: AccessOutcome, limits: LimitsPolicy | undefined): Request {
  const counts = req.body !== null && limits?.maxBodyBytes !== undefined && !req.headers.has('content-length')
  // Nothing to take out, add or count (the common case): the client's request serves as it is,
  // saving a copy of its headers and a Request per request. The stages after this one take the
  // normalised URL as `url`, never from the request.
  if (!counts && access.identity.length === 0 && !hasAny(req.headers, strip) && !hasAny(req.headers, access.remove)) return req
  const headers = new Headers(req.headers)
  for (const name of strip) headers.delete(name)
  for (const name of access.remove) headers.delete(name)
  for (const [name, value] of access.identity) headers.set(name, value)
  let body = req.body
  let signal: AbortSignal | undefined
  if (body !== null && limits?.maxBodyBytes !== undefined && !headers.has('content-length')) {
    const counted = countBody(body, limits.maxBodyBytes)
    body = counted.body
    signal = counted.signal
  }
  return new Request(url, { method: req.method, headers, body, signal, redirect: 'manual' })
}

function hasAny(headers: Headers, names: readonly string[]): boolean {
  for (const name of names) if (headers.has(name)) return true
  return false
}

/** HSTS and security headers (shield), Access-Control-* (cors), on every response of the route. */
export function secureResponse(res: Response, req: Request, shield: ShieldPolicy | undefined, cors: CorsPolicy | undefined): void {
  shieldResponseHeaders(res.headers, req.url.startsWith('https:'), shield)
  corsResponseHeaders(res.headers, req.headers.get('origin'), cors)
}
