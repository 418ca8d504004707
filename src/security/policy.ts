// A route's security settings, compiled once per config: CIDR sets, country sets, JWT issuers with
// their pinned algorithms, secrets read, filter patterns compiled, headers fixed; plus the global
// path policy and the list of request headers stripped before routing. Defaults and their reasons
// are here; every problem is reported at its field path.
import type {
  AccessSettingsConfig,
  CorsSettingsConfig,
  FilterSettingsConfig,
  LimitsSettingsConfig,
  PathSettingsConfig,
  ShieldSettingsConfig,
} from '../config/schema.ts'
import { compileCidrSet, type CidrSet } from './cidr.ts'
import type { CorsPolicy } from './cors.ts'
import { bundledRules, compilePattern, parseTarget, DEFAULT_TARGETS, type FilterPolicy, type FilterRule, type FilterTarget } from './filter.ts'
import { HMAC_ALGORITHMS, type IssuerPolicy, type JwtAlgorithm } from './jwt.ts'
import { DEFAULT_LIMITS, type LimitsPolicy } from './limits.ts'
import { DEFAULT_PATH_POLICY, type PathPolicy } from './path-normalise.ts'
import { DEFAULT_HSTS_MAX_AGE_SECONDS, DEFAULT_SECURITY_HEADERS, hstsValue, type ShieldPolicy, type SignaturePolicy } from './shield.ts'

export interface JwtPolicy {
  issuers: readonly IssuerPolicy[]
  cookie: string | undefined
  clockSkewSeconds: number
  /** Claim name → lower-case header name. */
  forwardClaims: ReadonlyArray<readonly [string, string]>
}

export interface AccessPolicy {
  ipAllow: CidrSet | undefined
  ipDeny: CidrSet | undefined
  countryAllow: ReadonlySet<string> | undefined
  countryDeny: ReadonlySet<string> | undefined
  jwt: JwtPolicy | undefined
  apiKeys: { header: string; keys: ReadonlyArray<readonly [string, string]> } | undefined
  basicAuth: { realm: string; users: ReadonlyArray<readonly [string, string]> } | undefined
  /** Lower-case headers Portico sets for the origin from what it verified: never taken from the client. */
  identityHeaders: readonly string[]
}

export interface RouteSecurity {
  access: AccessPolicy | undefined
  limits: LimitsPolicy | undefined
  filter: FilterPolicy | undefined
  shield: ShieldPolicy | undefined
  cors: CorsPolicy | undefined
}

/** What compiling needs from the config compiler: reporting, and secrets by name. */
export interface SecurityCompileContext {
  fail(path: string, message: string): void
  /** The secret's value ('' when unbound: the compiler reports that itself). */
  secret(name: string, path: string): string
}

/**
 * Request headers that change what many origins and frameworks answer, yet are not part of any
 * cache key: a client sending them could have a poisoned response stored for everyone. Stripped
 * before the cache and the origin see the request, unless `forwarding.keepRequestHeaders` keeps
 * one (then it joins the cache key).
 * X-Forwarded-Host/-Proto/-For and Forwarded are not here: forwarding replaces them already.
 */
const UNKEYED_REQUEST_HEADERS = [
  'x-original-url',
  'x-rewrite-url',
  'x-override-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  'x-original-method',
  'x-original-host',
  'x-forwarded-server',
  'x-host',
  'x-http-host-override',
  'x-forwarded-scheme',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-ssl',
  'front-end-https',
]

export const API_KEY_NAME_HEADER = 'x-api-key-name'
export const BASIC_USER_HEADER = 'x-authenticated-user'
const DEFAULT_CLOCK_SKEW_SECONDS = 60
const DEFAULT_BODY_PREFIX_BYTES = 8192
/** RFC 7518 section 3.2: an HMAC key at least as long as the hash output. */
const MIN_HMAC_SECRET_BYTES = 32

export function compilePathPolicy(s: PathSettingsConfig | undefined): PathPolicy {
  return { ...DEFAULT_PATH_POLICY, ...s }
}

export function strippedRequestHeaders(strip: readonly string[] | undefined, keep: readonly string[] | undefined): { strip: string[]; kept: string[] } {
  const kept = (keep ?? []).map((h) => h.toLowerCase())
  const all = [...UNKEYED_REQUEST_HEADERS, ...(strip ?? []).map((h) => h.toLowerCase())]
  return { strip: [...new Set(all)].filter((h) => !kept.includes(h)), kept: kept.filter((h) => UNKEYED_REQUEST_HEADERS.includes(h)) }
}

interface Layered<T> {
  defaults: T | undefined
  own: T | undefined
  /** Where the route's own settings are, e.g. "routes[2].access". */
  at: string
  /** Where the defaults are, e.g. "defaults.access". */
  defaultsAt: string
}

/** The path to report a field at: the defaults' when the value comes from there, else the route's. */
function fieldAt<T extends object>(l: Layered<T>, field: keyof T & string): string {
  const fromDefaults = l.defaults !== undefined && field in l.defaults && !(l.own && field in l.own)
  return fromDefaults ? `${l.defaultsAt}.${field}` : `${l.at}.${field}`
}

export function compileRouteSecurity(
  defaults: { access?: AccessSettingsConfig; limits?: LimitsSettingsConfig; filter?: FilterSettingsConfig; shield?: ShieldSettingsConfig; cors?: CorsSettingsConfig },
  own: { access?: AccessSettingsConfig; limits?: LimitsSettingsConfig; filter?: FilterSettingsConfig; shield?: ShieldSettingsConfig; cors?: CorsSettingsConfig },
  at: string,
  ctx: SecurityCompileContext,
): RouteSecurity {
  const layer = <K extends keyof typeof own>(k: K) => ({ defaults: defaults[k], own: own[k], at: `${at}.${k}`, defaultsAt: `defaults.${k}` })
  return {
    access: compileAccess(layer('access') as Layered<AccessSettingsConfig>, ctx),
    limits: compileLimits({ ...defaults.limits, ...own.limits }),
    filter: compileFilter(layer('filter') as Layered<FilterSettingsConfig>, ctx),
    shield: compileShield({ ...defaults.shield, ...own.shield }, defaults.shield !== undefined || own.shield !== undefined),
    cors: compileCors(layer('cors') as Layered<CorsSettingsConfig>, ctx),
  }
}

function compileAccess(l: Layered<AccessSettingsConfig>, ctx: SecurityCompileContext): AccessPolicy | undefined {
  if (!l.defaults && !l.own) return undefined
  const s: AccessSettingsConfig = { ...l.defaults, ...l.own }
  if (s.enabled === false) return undefined
  const cidrs = (list: readonly string[] | undefined, path: string): CidrSet | undefined => {
    if (list === undefined) return undefined
    const { set, errors } = compileCidrSet(list)
    for (const e of errors) ctx.fail(`${path}[${e.index}]`, e.message)
    return set
  }
  const ipAt = fieldAt(l, 'ip')
  const jwt = s.jwt && compileJwt(s.jwt, fieldAt(l, 'jwt'), ctx)
  const apiKeys = s.apiKeys && {
    header: (s.apiKeys.header ?? 'X-Api-Key').toLowerCase(),
    keys: Object.entries(s.apiKeys.keys).map(([name, ref]) => [name, ctx.secret(ref.secret, `${fieldAt(l, 'apiKeys')}.keys.${name}`)] as const),
  }
  const basicAuth = s.basicAuth && {
    realm: s.basicAuth.realm ?? 'Portico',
    users: Object.entries(s.basicAuth.users).map(([user, ref]) => [user, ctx.secret(ref.secret, `${fieldAt(l, 'basicAuth')}.users.${user}`)] as const),
  }
  if (apiKeys && apiKeys.keys.length === 0) ctx.fail(`${fieldAt(l, 'apiKeys')}.keys`, 'lists no key; add one or remove apiKeys')
  if (basicAuth && basicAuth.users.length === 0) ctx.fail(`${fieldAt(l, 'basicAuth')}.users`, 'lists no user; add one or remove basicAuth')
  const identityHeaders = [...(jwt?.forwardClaims.map(([, h]) => h) ?? []), ...(apiKeys ? [API_KEY_NAME_HEADER] : []), ...(basicAuth ? [BASIC_USER_HEADER] : [])]
  return {
    ipAllow: cidrs(s.ip?.allow, `${ipAt}.allow`),
    ipDeny: cidrs(s.ip?.deny, `${ipAt}.deny`),
    countryAllow: s.countries?.allow && new Set(s.countries.allow),
    countryDeny: s.countries?.deny && new Set(s.countries.deny),
    jwt,
    apiKeys,
    basicAuth,
    identityHeaders,
  }
}

function compileJwt(s: NonNullable<AccessSettingsConfig['jwt']>, at: string, ctx: SecurityCompileContext): JwtPolicy {
  const seen = new Set<string>()
  const issuers = s.issuers.map((iss, i): IssuerPolicy => {
    const here = `${at}.issuers[${i}]`
    if (seen.has(iss.issuer)) ctx.fail(`${here}.issuer`, `'${iss.issuer}' is listed twice; one entry per issuer`)
    seen.add(iss.issuer)
    const algorithms = iss.algorithms as JwtAlgorithm[]
    const hmac = algorithms.filter((a) => (HMAC_ALGORITHMS as readonly string[]).includes(a))
    const audiences = iss.audience === undefined ? [] : Array.isArray(iss.audience) ? iss.audience : [iss.audience]
    if (hmac.length > 0 && hmac.length < algorithms.length) {
      ctx.fail(`${here}.algorithms`, 'mixes HMAC (HS*) and public-key algorithms; an issuer uses one kind, or a public key could be used as an HMAC secret (algorithm confusion)')
    }
    if (hmac.length > 0) {
      if (iss.jwksUrl !== undefined) ctx.fail(`${here}.jwksUrl`, 'HS* tokens are checked with a shared secret, not a JWKS; set secret instead')
      if (!iss.secret) {
        ctx.fail(`${here}.secret`, 'HS* algorithms need secret = { secret = "NAME" }')
        return { issuer: iss.issuer, audiences, algorithms, keys: { kind: 'secret', secret: new Uint8Array() } }
      }
      const value = ctx.secret(iss.secret.secret, `${here}.secret`)
      const bytes = new TextEncoder().encode(value)
      if (value !== '' && bytes.length < MIN_HMAC_SECRET_BYTES) ctx.fail(`${here}.secret`, `the secret '${iss.secret.secret}' is ${bytes.length} bytes; HMAC keys need at least ${MIN_HMAC_SECRET_BYTES} (RFC 7518 section 3.2)`)
      return { issuer: iss.issuer, audiences, algorithms, keys: { kind: 'secret', secret: bytes } }
    }
    if (iss.secret !== undefined) ctx.fail(`${here}.secret`, 'public-key algorithms are checked with the issuer\'s JWKS; set jwksUrl instead')
    if (iss.jwksUrl === undefined) {
      ctx.fail(`${here}.jwksUrl`, 'public-key algorithms need jwksUrl, where the issuer publishes its keys')
      return { issuer: iss.issuer, audiences, algorithms, keys: { kind: 'jwks', url: '' } }
    }
    const url = new URL(iss.jwksUrl)
    if (url.protocol !== 'https:' && !['localhost', '127.0.0.1', '[::1]'].includes(url.hostname)) {
      ctx.fail(`${here}.jwksUrl`, 'must be https: keys fetched over plain http could be replaced on the way')
    }
    return { issuer: iss.issuer, audiences, algorithms, keys: { kind: 'jwks', url: iss.jwksUrl } }
  })
  return {
    issuers,
    cookie: s.cookie,
    clockSkewSeconds: s.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    forwardClaims: Object.entries(s.forwardClaims ?? {}).map(([claim, header]) => [claim, header.toLowerCase()] as const),
  }
}

/** Limits apply to every route unless turned off: generous enough for any real client. */
export function compileLimits(s: LimitsSettingsConfig): LimitsPolicy | undefined {
  if (s.enabled === false) return undefined
  return {
    maxUrlBytes: s.maxUrlBytes ?? DEFAULT_LIMITS.maxUrlBytes,
    maxHeaderCount: s.maxHeaderCount ?? DEFAULT_LIMITS.maxHeaderCount,
    maxHeaderBytes: s.maxHeaderBytes ?? DEFAULT_LIMITS.maxHeaderBytes,
    maxBodyBytes: s.maxBodyBytes,
    methods: s.methods && new Set(s.methods),
  }
}

function compileFilter(l: Layered<FilterSettingsConfig>, ctx: SecurityCompileContext): FilterPolicy | undefined {
  if (!l.defaults && !l.own) return undefined
  const s: FilterSettingsConfig = { ...l.defaults, ...l.own }
  if (s.enabled === false) return undefined
  const mode = s.mode ?? 'block'
  const rules: FilterRule[] = bundledRules(s.bundled ?? [], mode)
  const rulesAt = fieldAt(l, 'rules')
  const ids = new Set(rules.map((r) => r.id))
  ;(s.rules ?? []).forEach((r, i) => {
    const here = `${rulesAt}[${i}]`
    if (ids.has(r.id)) ctx.fail(`${here}.id`, `'${r.id}' is used twice; rule ids name rules in logs and must be unique`)
    ids.add(r.id)
    const compiled = compilePattern(r.pattern, r.caseSensitive ?? false)
    if (!compiled.ok) {
      ctx.fail(`${here}.pattern`, compiled.message)
      return
    }
    const targets: FilterTarget[] = []
    for (const [j, text] of (r.in ?? []).entries()) {
      const t = parseTarget(text)
      if (t) targets.push(t)
      else ctx.fail(`${here}.in[${j}]`, `'${text}' is not a target; use "path", "query", "body", "headers" or "header:Name"`)
    }
    rules.push({ id: r.id, targets: r.in ? targets : DEFAULT_TARGETS, mode: r.mode ?? mode, test: compiled.test })
  })
  if (rules.length === 0 && (s.rules ?? []).length === 0) ctx.fail(fieldAt(l, 'bundled'), 'the filter has no rules; set bundled = ["sqli", "xss"] or add rules')
  const readsBody = rules.some((r) => r.targets.some((t) => t.kind === 'body'))
  return { rules, bodyPrefixBytes: readsBody ? (s.bodyPrefixBytes ?? DEFAULT_BODY_PREFIX_BYTES) : 0 }
}

function compileShield(s: ShieldSettingsConfig, given: boolean): ShieldPolicy | undefined {
  if (!given || s.enabled === false) return undefined
  const hsts = s.hsts === false ? undefined : hstsValue(s.hsts?.maxAgeSeconds ?? DEFAULT_HSTS_MAX_AGE_SECONDS, s.hsts?.includeSubDomains ?? false, s.hsts?.preload ?? false)
  const headers = new Map<string, string>()
  if (s.securityHeaders !== false) {
    for (const [k, val] of Object.entries(DEFAULT_SECURITY_HEADERS)) headers.set(k.toLowerCase(), val)
    for (const [k, val] of Object.entries(s.securityHeaders ?? {})) {
      if (val === false) headers.delete(k.toLowerCase())
      else headers.set(k.toLowerCase(), val)
    }
  }
  return { httpsRedirect: s.httpsRedirect ?? true, hsts, headers: [...headers] }
}

export function compileOriginSignature(defaults: ShieldSettingsConfig | undefined, own: ShieldSettingsConfig | undefined, at: string, ctx: SecurityCompileContext): SignaturePolicy | undefined {
  const s = { ...defaults, ...own }
  if (s.enabled === false || !s.originSignature) return undefined
  const where = own?.originSignature ? `${at}.shield.originSignature` : 'defaults.shield.originSignature'
  return { header: (s.originSignature.header ?? 'Portico-Signature').toLowerCase(), secret: ctx.secret(s.originSignature.secret.secret, `${where}.secret`) }
}

function compileCors(l: Layered<CorsSettingsConfig>, ctx: SecurityCompileContext): CorsPolicy | undefined {
  if (!l.defaults && !l.own) return undefined
  const s = { ...l.defaults, ...l.own } as Partial<CorsSettingsConfig>
  if (s.enabled === false) return undefined
  const origins = s.origins ?? []
  if (origins.length === 0) ctx.fail(fieldAt(l, 'origins'), 'is required: the origins allowed to read responses')
  const anyOrigin = origins.includes('*')
  if (anyOrigin && s.credentials) ctx.fail(fieldAt(l, 'credentials'), 'cannot be true with origins = ["*"]: any site could read responses with the user\'s cookies; list the origins')
  return {
    origins: origins.filter((o) => o !== '*'),
    anyOrigin,
    methods: s.methods ?? ['GET', 'HEAD', 'POST'],
    allowHeaders: s.allowHeaders?.map((h) => h.toLowerCase()),
    exposeHeaders: s.exposeHeaders ?? [],
    credentials: s.credentials ?? false,
    maxAgeSeconds: s.maxAgeSeconds ?? 600,
  }
}
