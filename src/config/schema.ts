// The one schema for Portico's configuration: validation, the TypeScript types and the exported
// JSON Schema (`npm run schema`) all come from here. Cross-field rules (a route naming a pool that
// exists, a secret that is bound) are checked when the config is compiled, in compile.ts.
import * as v from 'valibot'
import { LOG_LEVELS } from '../observe/log.ts'
import { SERVER_TIMING_MODES } from '../observe/server-timing.ts'

const described = <T extends v.GenericSchema>(schema: T, description: string) =>
  v.pipe(schema, v.description(description))

const positiveMs = (what: string) =>
  described(
    v.pipe(
      v.number('must be a number of milliseconds'),
      v.integer('must be a whole number of milliseconds'),
      v.minValue(1, 'must be > 0 milliseconds'),
      v.maxValue(3_600_000, 'must be at most 3600000 ms (one hour)'),
    ),
    what,
  )

const httpUrl = v.pipe(
  v.string('must be a URL string such as "https://origin.example.com"'),
  v.url('must be an absolute URL such as "https://origin.example.com"'),
  v.check((s) => /^https?:\/\//i.test(s), 'must start with http:// or https://'),
  v.check((s) => !/[?#]/.test(s), 'must not contain a query or fragment; put only scheme, host, port and an optional base path'),
)

/** A value taken from a Worker secret (`wrangler secret put NAME`) instead of written in config. */
export const SecretRef = described(
  v.strictObject({ secret: v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a binding name')) }),
  'Reads the value from the Worker secret or var with this name, so it never sits in wrangler.toml.',
)
const HeaderValue = v.union([v.string(), SecretRef], 'must be a string or { "secret": "NAME" }')

const headerName = v.pipe(
  v.string(),
  v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'must be a valid HTTP header name (RFC 9110 section 5.1)'),
)

export const HeaderEdits = v.strictObject({
  set: v.optional(
    described(v.record(headerName, HeaderValue), 'Headers to set (replacing any existing value).'),
  ),
  remove: v.optional(described(v.array(headerName), 'Headers to remove.')),
})

export const Timeouts = v.strictObject({
  firstByteMs: v.optional(
    positiveMs(
      'Time allowed from sending the request to receiving the response headers (connect and first byte). ' +
        'On expiry the client gets 504. Default 30000.',
    ),
  ),
  totalMs: v.optional(
    positiveMs(
      'Time allowed for the whole exchange, body included. On expiry before the headers the client gets 504; ' +
        'after, the response is cut off (never passed off as complete). Default: no limit, so streams (SSE) may run.',
    ),
  ),
})

export const HostMode = described(
  v.union([v.picklist(['origin', 'preserve']), v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be "origin", "preserve" or a host name'))]),
  'Host sent to the origin: "origin" (the upstream URL\'s host, default), "preserve" (the client\'s Host; ' +
    'on Cloudflare this uses resolveOverride and needs the origin in the same zone, see README) or a fixed host name.',
)

export const UpstreamSpec = v.union(
  [
    httpUrl,
    v.strictObject({
      url: httpUrl,
      weight: v.optional(described(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 'Relative share of traffic. Default 1.')),
      mtlsCertificate: v.optional(
        described(
          v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a binding name')),
          'Name of an mtls_certificates binding in wrangler.toml: Portico presents that client certificate to this origin.',
        ),
      ),
    }),
    v.strictObject({
      service: described(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a binding name')), 'Name of a Worker service binding in wrangler.toml [[services]].'),
      weight: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    }),
  ],
  'must be an origin URL, { "url": ..., "weight": n } or { "service": "BINDING" }',
)

const pathString = v.pipe(v.string(), v.startsWith('/', 'must start with "/"'))
const wholeNumber = (min: number, max: number, unit: string) =>
  v.pipe(v.number(), v.integer(`must be a whole number of ${unit}`), v.minValue(min, `must be at least ${min} ${unit}`), v.maxValue(max, `must be at most ${max} ${unit}`))

export const ALGORITHMS = [
  'weighted-round-robin',
  'round-robin',
  'weighted-random',
  'least-connections',
  'least-time',
  'power-of-two-choices',
  'ip-hash',
  'consistent-hash',
] as const

export const ActiveHealth = v.strictObject({
  path: described(pathString, 'Path probed on each upstream (after its base path), e.g. "/healthz".'),
  method: v.optional(described(v.picklist(['GET', 'HEAD'], 'must be GET or HEAD'), 'Default GET.')),
  intervalMs: v.optional(described(wholeNumber(1000, 3_600_000, 'milliseconds'), 'Time between probes. Default 10000.')),
  timeoutMs: v.optional(described(wholeNumber(100, 60_000, 'milliseconds'), 'A probe slower than this fails. Default 2000.')),
  expectStatus: v.optional(
    described(
      v.pipe(v.string(), v.regex(/^\d{3}(-\d{3})?(,\s*\d{3}(-\d{3})?)*$/, 'must be like "200-399" or "200,204"')),
      'Statuses counted healthy, as ranges. Default "200-399".',
    ),
  ),
  bodyContains: v.optional(described(v.string(), 'The body must contain this text (first 64 KiB).')),
  healthyThreshold: v.optional(described(wholeNumber(1, 100, 'probes'), 'Successes in a row that bring an unhealthy upstream back. Default 2.')),
  unhealthyThreshold: v.optional(described(wholeNumber(1, 100, 'probes'), 'Failures in a row that mark an upstream unhealthy. Default 3.')),
})

export const PassiveHealth = v.strictObject({
  consecutiveFailures: v.optional(described(wholeNumber(1, 1000, 'failures'), 'Failed requests in a row (connect error, timeout, failureStatuses) that eject an upstream. Default 5.')),
  baseEjectionMs: v.optional(described(wholeNumber(100, 3_600_000, 'milliseconds'), 'First ejection time; doubles with each further ejection. Default 30000.')),
  maxEjectionMs: v.optional(described(wholeNumber(100, 86_400_000, 'milliseconds'), 'Longest ejection. Default 300000.')),
  maxEjectedPercent: v.optional(described(wholeNumber(0, 100, 'percent'), 'Never eject more than this share of the pool. Default 50.')),
  failureStatuses: v.optional(described(v.array(wholeNumber(500, 599, '(a 5xx status)')), 'Statuses that count as failures. Default [502, 503, 504].')),
})

export const Pool = v.strictObject({
  upstreams: described(
    v.pipe(v.array(UpstreamSpec), v.minLength(1, 'must list at least one upstream')),
    'The origins of this pool: URLs (https://host[:port][/base]) or Worker service bindings.',
  ),
  algorithm: v.optional(
    described(v.picklist(ALGORITHMS, `must be one of ${ALGORITHMS.join(', ')}`), 'How an upstream is chosen. Default "weighted-round-robin".'),
  ),
  hashOn: v.optional(
    described(
      v.union([v.picklist(['url', 'path']), v.strictObject({ header: headerName }), v.strictObject({ cookie: v.pipe(v.string(), v.minLength(1)) })], 'must be "url", "path", { "header": name } or { "cookie": name }'),
      'The key of "consistent-hash": the URL, the path, a request header or a cookie. Default "url".',
    ),
  ),
  sticky: v.optional(
    described(
      v.strictObject({
        cookie: v.optional(described(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/)), 'Default "portico_sticky".')),
        ttlSeconds: v.optional(described(wholeNumber(1, 31_536_000, 'seconds'), 'Cookie lifetime. Default 3600.')),
        secret: described(SecretRef, 'HMAC key for signing the cookie, from a Worker secret.'),
      }),
      'Sticky sessions: the first response sets a signed cookie naming the upstream, later requests go back to it while it is available.',
    ),
  ),
  backup: v.optional(described(v.string(), 'Pool that serves when none of this pool\'s upstreams is available.')),
  panic: v.optional(
    described(v.boolean(), 'When every upstream is unavailable and there is no backup, try them all anyway (true, default) or answer 503 at once (false).'),
  ),
  health: v.optional(
    v.strictObject({
      active: v.optional(described(ActiveHealth, 'Active probes, run by the pool\'s Durable Object.')),
      passive: v.optional(described(v.union([PassiveHealth, v.literal(false)]), 'Outlier detection from real traffic; on by default for pools of two or more; false: off.')),
      slowStartMs: v.optional(described(wholeNumber(0, 3_600_000, 'milliseconds'), 'Ramp a recovered upstream from 10% to its full weight over this time. Default 0 (off).')),
    }),
  ),
})

export const Retries = v.strictObject({
  attempts: v.optional(described(wholeNumber(0, 10, 'retries'), 'Retries after the first try, each on a different upstream when one is left. Default 2; 0: off.')),
  on: v.optional(
    described(v.array(v.picklist(['connect-failure', 'timeout'], 'must be "connect-failure" or "timeout"')), 'Failures that are retried. Default both.'),
  ),
  statuses: v.optional(described(v.array(wholeNumber(400, 599, '(a status)')), 'Response statuses that are retried. Default [502, 503, 504].')),
  nonIdempotent: v.optional(described(v.boolean(), 'Also retry POST and PATCH (RFC 9110 section 9.2.2). Default false.')),
  maxBodyBytes: v.optional(
    described(wholeNumber(0, 16 * 1024 * 1024, 'bytes'), 'A request body up to this size is kept so it can be sent again; a larger one is streamed and not retried. Default 65536.'),
  ),
  budgetPercent: v.optional(described(wholeNumber(0, 100, 'percent'), 'Retries may add at most this share to the requests of the last 10 s (per isolate); at least 3 per second are always allowed. Default 20.')),
})


export const Match = v.strictObject({
  host: v.optional(
    described(
      v.union([v.string(), v.array(v.string())], 'must be a host name or a list of them'),
      'Host names this route serves: exact ("api.example.com") or wildcard ("*.example.com", one or more labels). ' +
        'Compared without port, case-insensitively.',
    ),
  ),
  path: v.optional(
    described(pathString, 'Path prefix, matched on whole segments: "/api" matches /api and /api/x but not /apix.'),
  ),
  pattern: v.optional(
    described(
      pathString,
      'Path pattern with parameters: "/users/:id", "/files/:name{.+\\\\.png}", "/docs/*". Parameters can be used in rewrite.path and redirect.to as {name}.',
    ),
  ),
  methods: v.optional(described(v.pipe(v.array(v.pipe(v.string(), v.toUpperCase())), v.minLength(1)), 'Methods this route accepts. Default: all.')),
  headers: v.optional(
    described(
      v.record(headerName, v.union([v.string(), v.array(v.string())])),
      'Request headers that must be present with one of the given values; "*" means present with any value.',
    ),
  ),
})

export const Rewrite = v.strictObject({
  stripPrefix: v.optional(
    described(v.boolean(), 'Remove the matched match.path prefix before forwarding: /api/users → /users.'),
  ),
  replacePrefix: v.optional(described(pathString, 'Replace the matched match.path prefix with this one: /api/users → /v2/users.')),
  path: v.optional(described(pathString, 'Replace the whole path with this template; {name} takes a match.pattern parameter.')),
})

export const Redirect = v.strictObject({
  to: described(
    v.pipe(v.string(), v.minLength(1)),
    'Location to send: absolute URL or path. Placeholders: {host}, {path}, {query} (with its "?"), and {name} for pattern parameters.',
  ),
  status: v.optional(
    described(v.picklist([301, 302, 303, 307, 308], 'must be one of 301, 302, 303, 307, 308'), 'Redirect status. Default 302.'),
  ),
})

export const Respond = v.strictObject({
  status: v.pipe(v.number(), v.integer(), v.minValue(200, 'must be 200-599'), v.maxValue(599, 'must be 200-599')),
  body: v.optional(v.string()),
  contentType: v.optional(described(v.string(), 'Default "text/plain; charset=utf-8".')),
  headers: v.optional(v.record(headerName, HeaderValue)),
})

export const CacheSettings = v.strictObject({
  enabled: v.optional(described(v.boolean(), 'Default true when a cache table is given; false turns off a cache inherited from defaults.')),
  edgeTtlSeconds: v.optional(
    described(wholeNumber(0, 31_536_000, 'seconds'), 'Freshness at the edge, replacing what the origin says (no-store and private still win). Default: the origin\'s headers.'),
  ),
  browserTtlSeconds: v.optional(described(wholeNumber(0, 31_536_000, 'seconds'), 'Cache-Control max-age sent to clients for cacheable responses, apart from the edge TTL.')),
  heuristicPercent: v.optional(described(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), 'Heuristic freshness for Last-Modified responses without explicit freshness, as % of their age. Default 10; 0: off.')),
  heuristicMaxSeconds: v.optional(described(wholeNumber(0, 31_536_000, 'seconds'), 'Upper bound of heuristic freshness. Default 86400.')),
  cacheErrors: v.optional(described(v.boolean(), 'Store 5xx responses that are explicitly cacheable. Default false.')),
  storeSetCookie: v.optional(described(v.boolean(), 'Store (and so share) responses that set cookies. Default false.')),
  staleIfErrorSeconds: v.optional(
    described(wholeNumber(0, 31_536_000, 'seconds'), 'Serve a stale copy up to this long past its freshness when the origin fails (5xx, unreachable, all upstreams down), even if the response did not say stale-if-error. Default 0.'),
  ),
  key: v.optional(
    v.strictObject({
      ignoreQuery: v.optional(described(v.union([v.boolean(), v.array(v.string())]), 'true: the query is not part of the key; a list: these parameters are not.')),
      sortQuery: v.optional(described(v.boolean(), 'Sort query parameters in the key. Default false.')),
      headers: v.optional(described(v.array(headerName), 'Request headers whose values join the key.')),
      cookies: v.optional(described(v.array(v.pipe(v.string(), v.minLength(1))), 'Cookies whose values join the key.')),
    }),
  ),
  bypass: v.optional(
    v.strictObject({
      cookies: v.optional(described(v.array(v.pipe(v.string(), v.minLength(1))), 'A request with any of these cookies skips the cache (a logged-in session).')),
      headers: v.optional(described(v.array(headerName), 'A request with any of these headers skips the cache.')),
    }),
  ),
  collapse: v.optional(described(v.boolean(), 'Concurrent misses for one key in an isolate share one origin fetch. Default true.')),
  kv: v.optional(
    described(
      v.union([v.boolean(), v.strictObject({ maxBytes: v.optional(wholeNumber(1, 25 * 1024 * 1024, 'bytes')) })]),
      'Also keep responses in Workers KV (the CACHE_KV binding), a global tier behind each colo\'s cache. Responses up to maxBytes (default 1048576; KV allows 25 MiB).',
    ),
  ),
  memory: v.optional(
    described(
      v.union([
        v.boolean(),
        v.strictObject({
          maxEntryBytes: v.optional(described(wholeNumber(1, 1024 * 1024, 'bytes'), 'Largest body kept in memory; larger ones stay in the colo cache (and KV) only. Default 65536; at most 1 MiB, so one response cannot crowd out most of the isolate\'s 16 MiB.')),
          holdSeconds: v.optional(described(wholeNumber(1, 3600, 'seconds'), 'How long an entry is served from memory after it was stored or copied there, before the colo cache is asked again: the longest another isolate\'s invalidation goes unseen here. Default 30.')),
        }),
      ]),
      'Keep small responses in the isolate\'s memory (16 MiB per isolate, shared by all routes) in front of the colo cache, so a hit needs no I/O. Default on; false: off for this route.',
    ),
  ),
  targetedField: v.optional(described(headerName, 'A cache-control field only Portico obeys (RFC 9213), checked before CDN-Cache-Control, e.g. "Portico-Cache-Control".')),
  honorRequestDirectives: v.optional(described(v.boolean(), 'Obey the client\'s Cache-Control (no-cache, max-age, min-fresh, max-stale, only-if-cached). Default true.')),
})

export const CompressSettings = v.strictObject({
  enabled: v.optional(described(v.boolean(), 'Default true when a compress table is given; false turns off compression inherited from defaults.')),
  encodings: v.optional(
    described(
      v.pipe(v.array(v.picklist(['zstd', 'br', 'gzip', 'deflate'], 'must be zstd, br, gzip or deflate')), v.minLength(1)),
      'Codings Portico may use, most preferred first; the client\'s q-values decide first. Default ["zstd", "br", "gzip", "deflate"].',
    ),
  ),
  types: v.optional(described(v.array(v.pipe(v.string(), v.minLength(2))), 'Media types to compress: "text/*", "application/json", "+json" (a suffix). Default: text formats, JSON, JavaScript, XML, SVG, WebAssembly.')),
  minBytes: v.optional(described(wholeNumber(0, 1_073_741_824, 'bytes'), 'Responses with a known length below this are not compressed. Default 1024.')),
  levels: v.optional(
    v.strictObject({
      gzip: v.optional(wholeNumber(1, 9, '(gzip level)')),
      deflate: v.optional(wholeNumber(1, 9, '(deflate level)')),
      br: v.optional(wholeNumber(0, 11, '(brotli quality)')),
      zstd: v.optional(wholeNumber(1, 19, '(zstd level)')),
    }),
  ),
  maxDecodedBytes: v.optional(
    described(wholeNumber(1024, 4_294_967_296, 'bytes'), 'An origin body decoded for a client that does not accept its coding is cut off past this size (decompression bombs). Default 67108864.'),
  ),
})

export const RateLimitRule = v.strictObject({
  name: described(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')), 'Names the rule in RateLimit headers, logs and its counters.'),
  key: v.optional(
    described(
      v.pipe(
        v.array(
          v.union(
            [v.picklist(['ip', 'path']), v.strictObject({ header: headerName }), v.strictObject({ cookie: v.pipe(v.string(), v.minLength(1)) }), v.strictObject({ claim: v.pipe(v.string(), v.minLength(1)) })],
            'must be "ip", "path", { "header": name }, { "cookie": name } or { "claim": name }',
          ),
        ),
        v.minLength(1),
      ),
      'What is counted together: the client address (IPv6 by its /64), the normalised path, a header (an API key), a cookie, a verified JWT claim, or several. A request missing a part is not limited by this rule. Default ["ip"].',
    ),
  ),
  limit: described(wholeNumber(1, 1_000_000_000, 'requests'), 'Requests allowed per period.'),
  periodSeconds: described(wholeNumber(1, 86_400 * 31, 'seconds'), 'The period of the limit.'),
  burst: v.optional(described(wholeNumber(1, 1_000_000_000, 'requests'), 'Requests allowed at once after a quiet spell (token bucket and GCRA). Default: limit.')),
  algorithm: v.optional(described(v.picklist(['token-bucket', 'gcra', 'sliding-window'], 'must be token-bucket, gcra or sliding-window'), 'Default "token-bucket".')),
  mode: v.optional(
    described(v.picklist(['exact', 'fast'], 'must be exact or fast'), '"exact": the counter object decides every request. "fast": each isolate spends a small lease of tokens reserved from it (README "Rate limiting"). Default "exact".'),
  ),
  action: v.optional(described(v.picklist(['reject', 'log'], 'must be reject or log'), '"reject": 429 with Retry-After; "log": let it through and log it (for tuning). Default "reject".')),
  onError: v.optional(described(v.picklist(['open', 'closed'], 'must be open or closed'), 'When the counter cannot be reached in time: "open" lets requests through, "closed" answers 503. Default "open".')),
  headers: v.optional(described(v.boolean(), 'RateLimit and RateLimit-Policy headers on allowed responses too (always on refusals). Default false.')),
  ipv6PrefixBits: v.optional(described(wholeNumber(32, 128, 'bits'), 'An IPv6 client is counted by this prefix. Default 64.')),
  timeoutMs: v.optional(described(wholeNumber(10, 10_000, 'milliseconds'), 'How long to wait for the counter before onError applies. Default 1000.')),
})

const enabledField = (what: string) => v.optional(described(v.boolean(), `Default true when a ${what} table is given; false turns off ${what} settings inherited from defaults.`))
const secretsByName = (what: string) =>
  v.record(v.pipe(v.string(), v.minLength(1), v.maxLength(128), v.regex(/^[^:\s]+$/, `${what} must not contain ":" or spaces`)), SecretRef)
const ipList = (what: string) => v.optional(described(v.array(v.string()), what))
const countryList = (what: string) =>
  v.optional(described(v.array(v.pipe(v.string(), v.toUpperCase(), v.regex(/^[A-Z][A-Z0-9]$/, 'must be a two-letter country code such as "DE" (ISO 3166-1 alpha-2; "T1" is Tor, "XX" unknown)'))), what))

export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'HS256', 'HS384', 'HS512'] as const

export const JwtIssuer = v.strictObject({
  issuer: described(v.pipe(v.string(), v.minLength(1)), 'The exact "iss" claim of this issuer\'s tokens, e.g. "https://auth.example.com/".'),
  audience: v.optional(described(v.union([v.string(), v.array(v.string())]), 'Accepted "aud" values: a token must name one of them. Default: no audience check (set one: a token for another API of the same issuer would pass otherwise).')),
  algorithms: described(
    v.pipe(v.array(v.picklist(JWT_ALGORITHMS, `must be one of ${JWT_ALGORITHMS.join(', ')} ("none" is never accepted)`)), v.minLength(1, 'must name the algorithms this issuer signs with')),
    'Algorithms accepted from this issuer, pinned: a token with any other "alg" is refused. Asymmetric ones need jwksUrl, HS* need secret; one issuer cannot mix them (algorithm confusion).',
  ),
  jwksUrl: v.optional(described(httpUrl, 'Where the issuer publishes its public keys (JWK Set). Fetched and kept per isolate for the response\'s Cache-Control max-age, between 60 s and 24 h (10 min without one).')),
  secret: v.optional(described(SecretRef, 'HMAC key for HS256/384/512, from a Worker secret; at least 32 bytes.')),
})

export const AccessSettings = v.strictObject({
  enabled: enabledField('access'),
  ip: v.optional(
    described(
      v.strictObject({
        allow: ipList('Client addresses allowed (IPv4, IPv6, CIDR such as "203.0.113.0/24", "2001:db8::/32"); when set, every other address gets 403.'),
        deny: ipList('Client addresses refused with 403; checked before allow.'),
      }),
      'Client address rules, on CF-Connecting-IP. IPv4 rules also match IPv4-mapped IPv6 addresses (::ffff:a.b.c.d).',
    ),
  ),
  countries: v.optional(
    described(
      v.strictObject({
        allow: countryList('Countries allowed (request.cf.country); when set, every other country, and an unknown one, gets 403.'),
        deny: countryList('Countries refused with 403.'),
      }),
      'Country rules, from Cloudflare\'s geolocation of the client (request.cf.country).',
    ),
  ),
  jwt: v.optional(
    described(
      v.strictObject({
        issuers: described(v.pipe(v.array(JwtIssuer), v.minLength(1)), 'Issuers whose tokens are accepted; a token is checked with the keys and algorithms of the issuer its "iss" names.'),
        cookie: v.optional(described(v.pipe(v.string(), v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/)), 'Also take the token from this cookie when there is no Authorization: Bearer header.')),
        clockSkewSeconds: v.optional(described(wholeNumber(0, 300, 'seconds'), 'Tolerance for exp and nbf, for clocks that disagree. Default 60.')),
        forwardClaims: v.optional(described(v.record(v.pipe(v.string(), v.minLength(1)), headerName), 'Claims sent to the origin as request headers, e.g. { "sub": "X-User-Id" }. A client\'s own headers of these names are always removed.')),
      }),
      'JSON Web Tokens (Authorization: Bearer). exp is required; nbf, iss and aud are checked.',
    ),
  ),
  apiKeys: v.optional(
    described(
      v.strictObject({
        header: v.optional(described(headerName, 'Request header carrying the key. Default "X-Api-Key".')),
        keys: described(secretsByName('a key name'), 'Key name → { "secret": "NAME" }. The name of the matching key goes to the origin in X-Api-Key-Name; the key itself is removed.'),
      }),
      'API keys, compared in constant time.',
    ),
  ),
  basicAuth: v.optional(
    described(
      v.strictObject({
        realm: v.optional(described(v.pipe(v.string(), v.regex(/^[^"\\\r\n]*$/, 'must not contain quotes or backslashes')), 'Realm in WWW-Authenticate. Default "Portico".')),
        users: described(secretsByName('a user name'), 'User name → { "secret": "NAME" } holding the password. The user goes to the origin in X-Authenticated-User; the Authorization header is removed.'),
      }),
      'HTTP Basic authentication (RFC 7617), compared in constant time. Use only over https.',
    ),
  ),
})

export const LimitsSettings = v.strictObject({
  enabled: v.optional(described(v.boolean(), 'Limits apply to every route by default; false turns them off for this route.')),
  maxUrlBytes: v.optional(described(wholeNumber(64, 65_536, 'bytes'), 'Longest request target (path and query) accepted; longer gets 414. Default 8192.')),
  maxHeaderCount: v.optional(described(wholeNumber(1, 1000, 'headers'), 'Most request header fields accepted; more gets 431. Default 100.')),
  maxHeaderBytes: v.optional(described(wholeNumber(1024, 1_048_576, 'bytes'), 'Largest total of request header names and values (plus 4 per field); larger gets 431. Default 32768.')),
  maxBodyBytes: v.optional(described(wholeNumber(0, 4_294_967_296, 'bytes'), 'Largest request body: a larger Content-Length gets 413 at once; a body without one is counted as it streams and cut off (413) past the limit. Default: no limit of Portico\'s own.')),
  methods: v.optional(described(v.pipe(v.array(v.pipe(v.string(), v.toUpperCase(), v.regex(/^[!#$%&'*+\-.^_`|~0-9A-Z]+$/, 'must be an HTTP method'))), v.minLength(1)), 'Methods accepted; any other gets 405 with Allow. Default: any.')),
})

export const FilterRuleSettings = v.strictObject({
  id: described(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ . -')), 'Names the rule in logs.'),
  in: v.optional(described(v.pipe(v.array(v.string()), v.minLength(1)), 'What the rule looks at: "path", "query", "body" (the first bodyPrefixBytes), "headers" (every header as "name: value" lines) or "header:Name". Default ["path", "query", "body"].')),
  pattern: described(v.pipe(v.string(), v.minLength(1)), 'RE2 regular expression, searched anywhere in the (percent-decoded) text; matching is linear in time. No backreferences or lookaround.'),
  caseSensitive: v.optional(described(v.boolean(), 'Default false.')),
  mode: v.optional(described(v.picklist(['block', 'log']), 'Override the filter\'s mode for this rule.')),
})

export const FilterSettings = v.strictObject({
  enabled: enabledField('filter'),
  mode: v.optional(described(v.picklist(['block', 'log'], 'must be "block" or "log"'), '"block": a match gets 403; "log": a match is logged and the request goes on (to tune rules before they block). Default "block".')),
  bundled: v.optional(described(v.array(v.picklist(['sqli', 'xss'], 'must be "sqli" or "xss"')), 'Bundled rule sets to run: "sqli" (SQL injection probes), "xss" (cross-site scripting probes). Default none.')),
  rules: v.optional(described(v.array(FilterRuleSettings), 'Your own rules, checked after the bundled ones.')),
  bodyPrefixBytes: v.optional(described(wholeNumber(0, 65_536, 'bytes'), 'How much of a request body the rules see (the rest streams on unread). 0: bodies are not inspected. Default 8192.')),
})

export const ShieldSettings = v.strictObject({
  enabled: enabledField('shield'),
  httpsRedirect: v.optional(described(v.boolean(), 'Redirect plain-http requests to https (301 for GET/HEAD, 308 otherwise). Default true.')),
  hsts: v.optional(
    described(
      v.union([
        v.literal(false),
        v.strictObject({
          maxAgeSeconds: v.optional(described(wholeNumber(0, 63_072_000, 'seconds'), 'Default 31536000 (one year).')),
          includeSubDomains: v.optional(described(v.boolean(), 'Default false: it binds every subdomain of the host to https.')),
          preload: v.optional(described(v.boolean(), 'Default false.')),
        }),
      ]),
      'Strict-Transport-Security on https responses (RFC 6797). false: not sent. Default { maxAgeSeconds = 31536000 }.',
    ),
  ),
  securityHeaders: v.optional(
    described(
      v.union([v.literal(false), v.record(headerName, v.union([v.string(), v.literal(false)]))]),
      'Response headers set when the origin did not set them, merged over the defaults (X-Content-Type-Options: nosniff, X-Frame-Options: SAMEORIGIN, Referrer-Policy: strict-origin-when-cross-origin, X-Permitted-Cross-Domain-Policies: none, X-XSS-Protection: 0). A header set to false is not sent; false: none.',
    ),
  ),
  originSignature: v.optional(
    described(
      v.strictObject({
        secret: described(SecretRef, 'HMAC key shared with the origin, from a Worker secret.'),
        header: v.optional(described(headerName, 'Default "Portico-Signature".')),
      }),
      'Sign each request to the origin (HMAC-SHA-256 over time, method and path) so the origin can refuse traffic that did not come through Portico. See README "Origin verification".',
    ),
  ),
})

export const CorsSettings = v.strictObject({
  enabled: enabledField('cors'),
  origins: described(v.pipe(v.array(v.pipe(v.string(), v.toLowerCase(), v.regex(/^(\*|https?:\/\/(\*\.)?[a-z0-9.-]+(:\d+)?)$/, 'must be "*" or an origin such as "https://app.example.com" or "https://*.example.com"'))), v.minLength(1)), 'Origins allowed to read responses: exact, "https://*.example.com" (subdomains), or "*".'),
  methods: v.optional(described(v.array(v.pipe(v.string(), v.toUpperCase())), 'Methods allowed in preflights. Default ["GET", "HEAD", "POST"].')),
  allowHeaders: v.optional(described(v.array(headerName), 'Request headers allowed in preflights. Default: those the preflight asks for.')),
  exposeHeaders: v.optional(described(v.array(headerName), 'Response headers scripts may read. Default none beyond the CORS-safelisted ones.')),
  credentials: v.optional(described(v.boolean(), 'Allow cookies and credentials (then "*" cannot be used). Default false.')),
  maxAgeSeconds: v.optional(described(wholeNumber(0, 86_400, 'seconds'), 'How long browsers may keep a preflight answer. Default 600.')),
})

export const PathSettings = v.strictObject({
  normalise: v.optional(described(v.boolean(), 'Normalise every request path before routing: decode percent-encoded unreserved characters, remove dot-segments, merge slashes, refuse malformed escapes. Default true.')),
  mergeSlashes: v.optional(described(v.boolean(), '"//" becomes "/". Default true.')),
  encodedSlashes: v.optional(described(v.picklist(['reject', 'keep', 'decode'], 'must be "reject", "keep" or "decode"'), '%2F and %5C in a path: "reject" (400), "keep" (stay encoded: part of a segment, not a separator) or "decode" (become "/"). Default "reject".')),
  doubleEncoding: v.optional(described(v.picklist(['reject', 'keep'], 'must be "reject" or "keep"'), '"%25" followed by two hex digits (such as %252e): "reject" (400) or "keep". Default "reject".')),
})

/** Settings a route inherits from `defaults` unless it sets them itself. */
const inheritable = {
  host: v.optional(HostMode),
  timeouts: v.optional(Timeouts),
  requestHeaders: v.optional(described(HeaderEdits, 'Edits to the request sent to the origin, applied last.')),
  responseHeaders: v.optional(described(HeaderEdits, 'Edits to the response sent to the client, applied last.')),
  retries: v.optional(described(Retries, 'Retrying failed attempts on another upstream.')),
  cache: v.optional(described(CacheSettings, 'HTTP caching (RFC 9111) of this route\'s responses.')),
  compress: v.optional(described(CompressSettings, 'On-the-fly compression of this route\'s responses.')),
  rateLimits: v.optional(described(v.array(RateLimitRule), 'Rate limits; those in defaults apply to every route as well as its own.')),
  access: v.optional(described(AccessSettings, 'Who may use this route: client address, country, and credentials (JWT, API key, Basic); any one configured credential suffices.')),
  limits: v.optional(described(LimitsSettings, 'Request size limits and allowed methods. On for every route with the defaults.')),
  filter: v.optional(described(FilterSettings, 'Request filtering rules, bundled (SQL injection, XSS) and your own.')),
  shield: v.optional(described(ShieldSettings, 'HTTPS redirect, HSTS, security response headers and the origin signature.')),
  cors: v.optional(described(CorsSettings, 'Cross-origin resource sharing: preflights answered by Portico, Access-Control-* headers on responses.')),
}

export const Route = v.strictObject({
  name: v.optional(described(v.string(), 'Shown in logs and `npm run check`. Default: route-<index>.')),
  match: v.optional(described(Match, 'What this route serves. Omitted: every request (a catch-all).')),
  pool: v.optional(described(v.string(), 'Name of a pool in `pools` to forward to.')),
  upstream: v.optional(described(UpstreamSpec, 'A single origin to forward to, instead of a named pool.')),
  rewrite: v.optional(Rewrite),
  redirect: v.optional(described(Redirect, 'Answer with a redirect instead of forwarding.')),
  respond: v.optional(described(Respond, 'Answer with a fixed response instead of forwarding (maintenance page, robots.txt).')),
  ...inheritable,
})

export const Forwarding = v.strictObject({
  trustIncoming: v.optional(
    described(
      v.boolean(),
      'Trust X-Forwarded-For/-Proto/-Host and Forwarded from the hop in front and append to them. ' +
        'Default false: the client cannot forge them, Portico replaces them with what it saw.',
    ),
  ),
  via: v.optional(
    described(
      v.union([v.pipe(v.string(), v.regex(/^[A-Za-z0-9._-]+$/, 'must be a token such as "portico"')), v.literal(false)]),
      'Pseudonym added to Via in both directions (RFC 9110 section 7.6.3), also used to detect loops. false: do not add Via. Default "portico".',
    ),
  ),
  hideResponseHeaders: v.optional(
    described(v.array(headerName), 'Origin response headers to remove, added to the defaults (Server, X-Powered-By, X-AspNet-Version, X-AspNetMvc-Version).'),
  ),
  allowTrace: v.optional(described(v.boolean(), 'Forward TRACE requests. Default false (405): TRACE reflects credentials.')),
  stripRequestHeaders: v.optional(
    described(v.array(headerName), 'Request headers removed before the request reaches the cache or the origin, in addition to the defaults (X-Original-URL, X-Rewrite-URL, X-HTTP-Method-Override and others that change what an origin answers without being in the cache key).'),
  ),
  keepRequestHeaders: v.optional(
    described(v.array(headerName), 'Headers of the default strip list to pass on after all; on routes that cache, each kept header joins the cache key.'),
  ),
})

export const ExperimentVariant = v.strictObject({
  name: described(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _')), 'Sent to the origin and in the cookie.'),
  weight: described(v.pipe(v.number(), v.minValue(0, 'must be >= 0'), v.maxValue(1_000_000)), 'Share of new users (relative to the other weights); 0 takes nobody new and reassigns this variant\'s users.'),
  pool: v.optional(described(v.string(), 'Forward this variant\'s requests to this pool instead of the route\'s.')),
  pathPrefix: v.optional(described(pathString, 'Prefix added to the path sent to the origin, e.g. "/v2".')),
  requestHeaders: v.optional(described(v.record(headerName, v.string()), 'Headers added to this variant\'s requests to the origin.')),
})

export const Experiment = v.strictObject({
  routes: described(v.pipe(v.array(v.string()), v.minLength(1, 'must name at least one route')), 'Names of the routes this experiment runs on.'),
  variants: described(v.pipe(v.array(ExperimentVariant), v.minLength(1, 'must list at least one variant')), 'The variants; the first is usually the control (the route as configured).'),
  secret: described(SecretRef, 'HMAC key for the assignment cookie, from a Worker secret, so clients cannot pick their variant.'),
  userKey: v.optional(
    described(
      v.union([v.strictObject({ header: headerName }), v.strictObject({ cookie: v.pipe(v.string(), v.minLength(1)) }), v.strictObject({ claim: v.pipe(v.string(), v.minLength(1)) })], 'must be { "header": name }, { "cookie": name } or { "claim": name }'),
      'Where a known user\'s id is: such users are assigned by id and remembered in KV (EXPERIMENTS_KV) across devices; others by a visitor id in the cookie.',
    ),
  ),
  ttlSeconds: v.optional(described(wholeNumber(60, 400 * 86_400, 'seconds'), 'How long an assignment is remembered. Default 7776000 (90 days).')),
  allowOverride: v.optional(described(v.boolean(), 'Allow QA to pick a variant with "X-Portico-Variant: <experiment>=<variant>" or "?portico-variant=<experiment>:<variant>" (not remembered). Default false.')),
  debugHeader: v.optional(described(v.boolean(), 'Add "X-Portico-Variant" to responses, naming the variant and why. Default false.')),
})

export const Observability = v.strictObject({
  logLevel: v.optional(
    described(
      v.picklist(LOG_LEVELS, 'must be debug, info, warn, error or off'),
      'Which request log lines are written (one JSON line per request): "info" every request, "warn" only 5xx answers, "debug" also the request headers (credentials redacted), "off" none. Default "info".',
    ),
  ),
  serverTiming: v.optional(
    described(
      v.picklist(SERVER_TIMING_MODES, 'must be off, on-request or always'),
      'Server-Timing on responses (edge, cache, upstream durations): "on-request" only when the request sends the debug header with the ADMIN_TOKEN, "always" on every response (tells anyone your pool names and cache timings), "off" never. Default "on-request".',
    ),
  ),
  debugHeader: v.optional(described(headerName, 'Request header that asks for Server-Timing with the admin token as its value; never forwarded to an origin, never logged. Default "Portico-Debug".')),
  metrics: v.optional(
    described(v.boolean(), 'Keep per-minute request metrics for the status page in the PORTICO_METRICS Durable Object (and write them to Analytics Engine when ANALYTICS is bound). Default true.'),
  ),
  metricsFlushMs: v.optional(
    described(wholeNumber(1000, 60_000, 'milliseconds'), 'How often each isolate sends its metrics batch to the metrics object: shorter is fresher, longer is fewer calls. Default 5000.'),
  ),
  redactHeaders: v.optional(
    described(v.array(headerName), 'More header names whose values never reach a log line, beside the built-in ones (Authorization, Cookie, Set-Cookie, API keys, names containing token, secret, password, session, signature, credential).'),
  ),
  redactQuery: v.optional(
    described(v.array(v.pipe(v.string(), v.minLength(1))), 'More query parameter names whose values are logged as [redacted], beside those containing token, key, secret, password, passwd, pwd, sig, auth, session, code, credential, jwt.'),
  ),
})

export const PorticoConfig = v.strictObject({
  $schema: v.optional(v.string()),
  routes: described(
    v.pipe(v.array(Route), v.minLength(1, 'must list at least one route')),
    'Ordered routes: the first whose match fits the request handles it.',
  ),
  pools: v.optional(described(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, 'pool names use letters, digits, - and _')), Pool), 'Named pools of origins that routes refer to.')),
  defaults: v.optional(described(v.strictObject(inheritable), 'Settings every route inherits unless it sets its own.')),
  forwarding: v.optional(Forwarding),
  paths: v.optional(described(PathSettings, 'How every request path is normalised before routing, access checks, caching and forwarding.')),
  experiments: v.optional(
    described(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'experiment names use 1-64 letters, digits, - and _')), Experiment), 'Sticky A/B tests and canary releases, by name.'),
  ),
  requestId: v.optional(
    v.strictObject({
      header: v.optional(described(headerName, 'Header carrying the request id. Default "X-Request-Id".')),
      acceptIncoming: v.optional(
        described(v.boolean(), 'Keep a well-formed request id sent by the client (1-128 of A-Z a-z 0-9 . _ : -). Default true.'),
      ),
    }),
  ),
  observability: v.optional(described(Observability, 'Request logs, Server-Timing and metrics (README "Observability").')),
})

export type PorticoConfigInput = v.InferInput<typeof PorticoConfig>
export type PorticoConfigOutput = v.InferOutput<typeof PorticoConfig>
export type RouteConfig = v.InferOutput<typeof Route>
export type UpstreamConfig = v.InferOutput<typeof UpstreamSpec>
export type HeaderEditsConfig = v.InferOutput<typeof HeaderEdits>
export type HeaderValueConfig = v.InferOutput<typeof HeaderValue>
export type PoolConfig = v.InferOutput<typeof Pool>
export type RetriesConfig = v.InferOutput<typeof Retries>
export type CacheSettingsConfig = v.InferOutput<typeof CacheSettings>
export type CompressSettingsConfig = v.InferOutput<typeof CompressSettings>
export type AccessSettingsConfig = v.InferOutput<typeof AccessSettings>
export type LimitsSettingsConfig = v.InferOutput<typeof LimitsSettings>
export type FilterSettingsConfig = v.InferOutput<typeof FilterSettings>
export type ShieldSettingsConfig = v.InferOutput<typeof ShieldSettings>
export type CorsSettingsConfig = v.InferOutput<typeof CorsSettings>
export type PathSettingsConfig = v.InferOutput<typeof PathSettings>
export type RateLimitRuleConfig = v.InferOutput<typeof RateLimitRule>
export type ObservabilityConfig = v.InferOutput<typeof Observability>
export type ExperimentConfig = v.InferOutput<typeof Experiment>
