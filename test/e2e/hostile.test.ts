// Hostile clients and hostile origins, the way an independent suite probes a reverse proxy. The rules
// (README "Errors", STYLE.md section 5): a client's malformed request gets a 4xx; an origin's failure
// gets a 502 or 504, is never cached and never served as if complete; Portico never crashes (a 500
// with "unhandled error" in its log), never hangs, and never passes a cut body off as whole.
// Clients write exact bytes on a raw socket (client.ts `exchange`); origins are raw TCP servers
// (origins/hostile-origin.ts) that send what Node's http would refuse to.
import { createHmac } from 'node:crypto'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchange, send, valuesOf, type RawExchange } from './client.ts'
import { config, startPortico, type RunningPortico } from './harness.ts'
import { answer, rawBytes, startHostileOrigin, type HostileOrigin, type RawRequest, type Script } from './origins/hostile-origin.ts'

const HOST = 'www.example.test'
const JWT_SECRET = 'e2e-hostile-jwt-secret-0123456789abcdef'
const AB_SECRET = 'e2e-hostile-ab-secret-0123456789abcdef'
const BASIC_PASSWORD = 'e2e-hostile-password'
const ADMIN_TOKEN = 'e2e-hostile-admin-token-0123456789'

/** 2000 bytes of text: compressible, above minBytes, and long enough for ranges. */
const TEXT = Array.from({ length: 200 }, (_, i) => `line ${String(i).padStart(4, '0')}`).join('\n').padEnd(2000, '.')
const TEXT_ETAG = '"v1"'

const text = (extra: Array<[string, string]> = [], body: string | Buffer = TEXT): Script =>
  answer('200 OK', [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(Buffer.byteLength(body))], ...extra], body)

/** Headers, part of the body, then silence: the socket is left open until the test ends. */
const stallAfter = (head: string, body: string) => rawBytes(`${head}\r\n\r\n${body}`, 'stall')

/** First request: `first`; every later one: `later` (a revalidation or refresh). */
function thenOn(first: Script, later: Script): Script {
  let seen = 0
  return (socket, req) => (seen++ === 0 ? first : later)(socket, req)
}

const LONG_NAMES = Array.from({ length: 100 }, (_, i) => `X-Vary-${i}`).join(', ')

const SCRIPTS: Record<string, Script> = {
  // Cacheable text with validators, for hits probed with hostile request headers.
  '/doc': text([['Cache-Control', 'max-age=300'], ['ETag', TEXT_ETAG], ['Last-Modified', 'Mon, 01 Jan 2024 00:00:00 GMT']]),
  '/doc-head': text([['Cache-Control', 'max-age=300'], ['ETag', TEXT_ETAG]]),
  '/doc-enc': text([['Cache-Control', 'max-age=300'], ['ETag', TEXT_ETAG]]),
  '/doc-cc': text([['Cache-Control', 'max-age=300'], ['ETag', TEXT_ETAG]]),
  '/doc-cookie': text([['Cache-Control', 'max-age=300']]),
  // Statuses no response may carry, and interim ones.
  '/status-600': answer('600 Six Hundred', [['Content-Length', '3']], 'bad'),
  '/status-799': answer('799 Odd', [['Content-Length', '3']], 'bad'),
  '/status-999': answer('999 Max', [['Content-Length', '3']], 'bad'),
  '/status-1000': answer('1000 Too Long', [['Content-Length', '3']], 'bad'),
  '/status-099': answer('099 Too Small', [['Content-Length', '3']], 'bad'),
  '/status-abc': answer('abc Garbage', [['Content-Length', '3']], 'bad'),
  '/early-hints': rawBytes(
    'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n' +
      'HTTP/1.1 100 Continue\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 6\r\nConnection: close\r\n\r\nfinal\n',
  ),
  '/only-interim': rawBytes('HTTP/1.1 100 Continue\r\n\r\n', 'stall'),
  '/no-content-body': rawBytes('HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'),
  '/not-modified-body': rawBytes('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'),
  // Bodies shorter than declared, cut off, stalled, reset.
  '/short': rawBytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nContent-Length: 5000\r\nConnection: close\r\n\r\nonly a little'),
  '/short-gzip-client': rawBytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n' + 'x'.repeat(1500)),
  '/stall-sized': stallAfter('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000', 'first bytes '),
  '/stall-chunked': stallAfter('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked', 'c\r\nfirst bytes \r\n'),
  '/stall-headers-only': rawBytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n', 'stall'),
  '/reset-sized': rawBytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nContent-Length: 50000\r\n\r\n' + 'y'.repeat(3000), 'reset'),
  '/not-gzip': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'gzip'], ['Content-Length', '2000']], 'z'.repeat(2000)),
  '/not-gzip-cached': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'gzip'], ['Cache-Control', 'max-age=300'], ['Content-Length', '2000']], 'z'.repeat(2000)),
  // Location headers under a prefix-stripping route.
  '/loc-relative': answer('302 Found', [['Location', 'next/page?x=1'], ['Content-Length', '0']]),
  '/loc-garbage': answer('302 Found', [['Location', 'ht!tp:::///\\\\%zz'], ['Content-Length', '0']]),
  '/loc-bad-ipv6': answer('302 Found', [['Location', 'http://[::1/x'], ['Content-Length', '0']]),
  '/loc-long': answer('302 Found', [['Location', `/${'a'.repeat(16_000)}`], ['Content-Length', '0']]),
  '/loc-scheme-relative': answer('302 Found', [['Location', '//evil.example/x'], ['Content-Length', '0']]),
  '/loc-empty': answer('302 Found', [['Location', ''], ['Content-Length', '0']]),
  '/loc-self': (socket, req) => answer('302 Found', [['Location', `http://${req.headers.find(([n]) => n === 'host')?.[1]}/target?q=1`], ['Content-Length', '0']])(socket, req),
  '/loc-self-port-garbage': (socket, req) => answer('302 Found', [['Location', `http://${req.headers.find(([n]) => n === 'host')?.[1]}:99999/x`], ['Content-Length', '0']])(socket, req),
  '/loc-two': answer('302 Found', [['Location', '/a'], ['Location', '/b'], ['Content-Location', 'http://[zz'], ['Content-Length', '0']]),
  // Set-Cookie with odd attributes where cookie rewriting applies.
  '/cookies': (socket, req) =>
    answer(
      '200 OK',
      [
        ['Set-Cookie', `a=1; Domain=${req.headers.find(([n]) => n === 'host')?.[1]?.split(':')[0]}; Path=/`],
        ['Set-Cookie', 'b=2; Domain=; Path='],
        ['Set-Cookie', 'c=3; Domain=.; Path=/../..'],
        ['Set-Cookie', 'd=4; Domain=127.0.0.1; Path=%zz'],
        ['Set-Cookie', ';;;=; Domain'],
        ['Set-Cookie', `e=5; Path=/${'p'.repeat(5000)}; Domain=${'x'.repeat(300)}`],
        ['Set-Cookie', 'f=6; Path=relative; Domain=[::1'],
        ['Content-Length', '2'],
      ],
      'ok',
    )(socket, req),
  // Garbage caching headers.
  '/cc-garbage': text([['Cache-Control', 'max-age=abc, s-maxage=-1, max-age=99999999999999999999, no-cache="'], ['Expires', 'yesterday'], ['Date', 'not a date'], ['Age', '-5']]),
  '/cc-huge': text([['Cache-Control', 's-maxage=99999999999999999999999999999'], ['Age', '99999999999999999999']]),
  '/cc-expires': text([['Expires', 'Thu, 01 Jan 2099 00:00:00 GMT'], ['Date', 'Thu, 01 Jan 1970 00:00:00 GMT']]),
  '/cc-date-far': text([['Cache-Control', 'max-age=60'], ['Date', 'Fri, 31 Dec 9999 23:59:59 GMT'], ['Last-Modified', 'garbage']]),
  '/cc-age-nan': text([['Cache-Control', 'max-age=60'], ['Age', 'NaN']]),
  '/vary-star': text([['Cache-Control', 'max-age=300'], ['Vary', '*']]),
  '/vary-many': text([['Cache-Control', 'max-age=300'], ['Vary', LONG_NAMES]]),
  '/vary-empty': text([['Cache-Control', 'max-age=300'], ['Vary', '']]),
  '/vary-commas': text([['Cache-Control', 'max-age=300'], ['Vary', ', ,,Accept-Encoding,, ']]),
  '/vary-bad-token': text([['Cache-Control', 'max-age=300'], ['Vary', 'Acc(ept, "quoted", x y']]),
  // Large responses headers.
  '/huge-header': text([['X-Big', 'h'.repeat(60_000)]]),
  '/many-headers': text(Array.from({ length: 500 }, (_, i): [string, string] => [`X-H-${i}`, String(i)])),
  '/cacheable': text([['Cache-Control', 'max-age=300']]),
  '/doc-range': text([['Cache-Control', 'max-age=300'], ['ETag', TEXT_ETAG]]),
  // Revalidations and refreshes that go wrong.
  '/reval-garbage-304': thenOn(
    text([['Cache-Control', 'max-age=1'], ['ETag', '"r1"']]),
    rawBytes('HTTP/1.1 304 Not Modified\r\nETag: "r2"\r\nCache-Control: max-age=abc, s-maxage=-9\r\nVary: *\r\nAge: -1\r\nDate: garbage\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'),
  ),
  '/reval-999': thenOn(text([['Cache-Control', 'max-age=1'], ['ETag', '"r1"']]), answer('999 Nope', [['Content-Length', '3']], 'bad')),
  '/reval-999-lenient': thenOn(text([['Cache-Control', 'max-age=1'], ['ETag', '"r1"']]), answer('999 Nope', [['Content-Length', '3']], 'bad')),
  '/reval-short': thenOn(
    text([['Cache-Control', 'max-age=1'], ['ETag', '"r1"']]),
    rawBytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nETag: "r2"\r\nContent-Length: 5000\r\nConnection: close\r\n\r\nbroken'),
  ),
  '/swr-short': thenOn(
    text([['Cache-Control', 'max-age=1, stale-while-revalidate=60'], ['ETag', '"s1"']]),
    rawBytes('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nETag: "s2"\r\nContent-Length: 5000\r\nConnection: close\r\n\r\nbroken'),
  ),
  '/swr-999': thenOn(text([['Cache-Control', 'max-age=1, stale-while-revalidate=60'], ['ETag', '"s1"']]), answer('999 Nope', [['Content-Length', '3']], 'bad')),
  // Responses a cache must not take for a full representation.
  '/partial': answer('206 Partial Content', [['Content-Type', 'text/plain'], ['Cache-Control', 'max-age=300'], ['Content-Range', `bytes 0-4/${TEXT.length}`], ['Content-Length', '5']], TEXT.slice(0, 5)),
  '/partial-garbage': answer('206 Partial Content', [['Content-Type', 'text/plain'], ['Cache-Control', 'max-age=300'], ['Content-Range', 'bytes x-y/z'], ['Content-Length', '5']], 'hello'),
  '/range-on-200': text([['Cache-Control', 'max-age=300'], ['Content-Range', 'bytes 0-4/2000']]),
  '/not-modified-cacheable': rawBytes('HTTP/1.1 304 Not Modified\r\nETag: "x"\r\nCache-Control: max-age=300\r\nConnection: close\r\n\r\n'),
  '/no-content-cacheable': rawBytes('HTTP/1.1 204 No Content\r\nCache-Control: max-age=300\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello'),
  '/stall-cacheable': stallAfter('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nCache-Control: max-age=300\r\nContent-Length: 1000', 'first bytes '),
  // Odd codings and validators with compression on.
  '/enc-stacked': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'gzip, gzip'], ['Content-Length', '2000']], 'q'.repeat(2000)),
  '/enc-unknown': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'x-garbage'], ['Content-Length', '2000']], 'q'.repeat(2000)),
  '/enc-identity': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'identity'], ['Content-Length', String(TEXT.length)]], TEXT),
  '/enc-empty': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', ''], ['Content-Length', String(TEXT.length)]], TEXT),
  '/not-zstd': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'zstd'], ['Content-Length', '2000']], 'z'.repeat(2000)),
  '/not-deflate': answer('200 OK', [['Content-Type', 'text/plain'], ['Content-Encoding', 'deflate'], ['Content-Length', '2000']], 'z'.repeat(2000)),
  '/etag-garbage': text([['Cache-Control', 'max-age=300'], ['ETag', 'unquoted garbage'], ['Last-Modified', 'yesterday']]),
  '/etag-weak-empty': text([['Cache-Control', 'max-age=300'], ['ETag', 'W/']]),
  '/type-garbage': answer('200 OK', [['Content-Type', ';;;/;charset=='], ['Content-Length', String(TEXT.length)]], TEXT),
  '/targeted-garbage': text([['CDN-Cache-Control', 'max-age=(, ;;'], ['Surrogate-Control', 'max-age=abc;portico, , ='], ['Cache-Tag', `${'t'.repeat(3000)},,, ,`], ['Cache-Control', 'max-age=300']]),
  '/tags-many': text([['Cache-Control', 'max-age=300'], ['Cache-Tag', Array.from({ length: 2000 }, (_, i) => `tag-${i}`).join(',')]]),
  '/set-cookie-cacheable': text([['Cache-Control', 'public, max-age=300'], ['Set-Cookie', 'sid=secret; Path=/']]),
  '/a/echo': text([['X-Upstream', 'a']], 'a'),
  '/b/echo': text([['X-Upstream', 'b']], 'b'),
  // For the client probes.
  '/echo': (socket, req) => answer('200 OK', [['Content-Type', 'application/json'], ['Cache-Control', 'no-store']], JSON.stringify(req))(socket, req),
}

let origin: HostileOrigin
let portico: RunningPortico

beforeAll(async () => {
  origin = await startHostileOrigin(SCRIPTS)
  const upstream = origin.url
  portico = await startPortico({
    ...config({
      routes: [
        { name: 'plain', match: { path: '/o' }, rewrite: { stripPrefix: true }, upstream },
        { name: 'cached', match: { path: '/c' }, rewrite: { stripPrefix: true }, upstream, cache: {} },
        { name: 'compressed', match: { path: '/z' }, rewrite: { stripPrefix: true }, upstream, compress: {} },
        { name: 'both', match: { path: '/zc' }, rewrite: { stripPrefix: true }, upstream, compress: {}, cache: {} },
        { name: 'bounded', match: { path: '/t' }, rewrite: { stripPrefix: true }, upstream, timeouts: { firstByteMs: 2_000, totalMs: 800 } },
        { name: 'bounded-z', match: { path: '/tz' }, rewrite: { stripPrefix: true }, upstream, timeouts: { firstByteMs: 2_000, totalMs: 800 }, compress: {} },
        { name: 'moved', match: { path: '/app' }, rewrite: { replacePrefix: '/' }, upstream },
        {
          name: 'auth',
          match: { path: '/auth' },
          rewrite: { stripPrefix: true },
          upstream,
          access: {
            jwt: { issuers: [{ issuer: 'https://issuer.example/', audience: 'api', algorithms: ['HS256'], secret: { secret: 'JWT_SECRET' } }], cookie: 'token' },
            basicAuth: { users: { alice: { secret: 'BASIC_PASSWORD' } } },
          },
        },
        {
          name: 'ab',
          match: { path: '/ab' },
          rewrite: { stripPrefix: true },
          upstream,
          cache: { bypass: { cookies: ['session'] }, key: { cookies: ['lang'] } },
          rateLimits: [{ name: 'per-sid', key: [{ cookie: 'sid' }], limit: 1000, periodSeconds: 60 }],
        },
        { name: 'bounded-c', match: { path: '/tc' }, rewrite: { stripPrefix: true }, upstream, timeouts: { firstByteMs: 2_000, totalMs: 800 }, cache: {} },
        { name: 'stale-ok', match: { path: '/s' }, rewrite: { stripPrefix: true }, upstream, cache: { staleIfErrorSeconds: 600 } },
        { name: 'kv', match: { path: '/kv' }, rewrite: { stripPrefix: true }, upstream, cache: { kv: true, key: { sortQuery: true, ignoreQuery: ['utm_source'] } } },
        { name: 'gated', match: { path: '/ip' }, rewrite: { stripPrefix: true }, pool: 'hashed', access: { ip: { allow: ['10.0.0.0/8', '2001:db8::/32'] } } },
        { name: 'per-ip', match: { path: '/rl' }, rewrite: { stripPrefix: true }, pool: 'hashed', rateLimits: [{ name: 'per-ip', limit: 1000, periodSeconds: 60 }] },
        { name: 'cors', match: { path: '/cors' }, rewrite: { stripPrefix: true }, upstream, cors: { origins: ['https://app.example', 'https://*.example.org'], credentials: true } },
        { name: 'sticky', match: { path: '/st' }, rewrite: { stripPrefix: true }, pool: 'sticky' },
        { name: 'keyed', match: { path: '/ch' }, rewrite: { stripPrefix: true }, pool: 'keyed' },
        { name: 'filtered', match: { path: '/f' }, rewrite: { stripPrefix: true }, upstream, filter: { bundled: ['sqli', 'xss'] } },
        { name: 'rest', upstream },
      ],
      pools: {
        hashed: { upstreams: [`${upstream}/a`, `${upstream}/b`], algorithm: 'ip-hash' },
        sticky: { upstreams: [`${upstream}/a`, `${upstream}/b`], sticky: { cookie: 'st', secret: { secret: 'STICKY_KEY' } } },
        keyed: { upstreams: [`${upstream}/a`, `${upstream}/b`], algorithm: 'consistent-hash', hashOn: { cookie: 'uid' } },
      },
      experiments: {
        release: {
          routes: ['ab'],
          secret: { secret: 'AB_SECRET' },
          allowOverride: true,
          userKey: { cookie: 'uid' },
          variants: [
            { name: 'stable', weight: 50 },
            { name: 'canary', weight: 50, requestHeaders: { 'X-Canary': '1' } },
          ],
        },
      },
    }),
    JWT_SECRET,
    AB_SECRET,
    ADMIN_TOKEN,
    STICKY_KEY: 'e2e-hostile-sticky-key-0123456789abcdef',
    BASIC_PASSWORD,
  })
})
afterAll(async () => {
  await portico?.close()
  await origin?.close()
})

/** One request line and headers on a raw socket; Host is added unless the probe sends its own. */
function raw(target: string, headers: string[] = [], method = 'GET', body: string | Buffer = '', timeoutMs = 8_000): Promise<RawExchange> {
  const hasHost = headers.some((h) => /^host:/i.test(h))
  return exchange(portico.port, [`${method} ${target} HTTP/1.1`, ...(hasHost ? [] : [`Host: ${HOST}`]), 'Connection: close', ...headers], body, timeoutMs)
}

/** Not a crash: no 500 (Portico's "unhandled error"), and, for a client's fault, a 4xx or a normal answer. */
function expectNoCrash(res: { status: number; text?: string; body?: Buffer }) {
  const body = res.text ?? res.body?.toString() ?? ''
  expect(body, `crashed: ${body.slice(0, 300)}`).not.toContain('urn:portico:internal')
  expect(res.status).not.toBe(500)
}

function header(res: RawExchange, name: string): string | undefined {
  return valuesOf(res.headers, name)[0]
}

/** Fill the cache for a path, and check the next GET is a hit. */
async function warm(path: string): Promise<void> {
  await send(portico.at(path), { headers: { host: HOST } })
  const hit = await send(portico.at(path), { headers: { host: HOST } })
  expect(hit.headers['cache-status']).toMatch(/hit/)
}

function hs256(payload: object, header: object = { alg: 'HS256', typ: 'JWT' }, secret = JWT_SECRET): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`
}

// ---------------------------------------------------------------------------------------------
// Hostile clients
// ---------------------------------------------------------------------------------------------

describe('a client sending malformed request targets', () => {
  it.each([
    ['/o/%zz'],
    ['/o/%'],
    ['/o/%4'],
    ['/o/%c0%ae%c0%ae/etc'],
    ['/o/%e0%80%ae'],
    ['/o/%ff%fe'],
    ['/o/%ed%a0%80'], // a UTF-16 surrogate in UTF-8
    ['/o/%00'],
    ['/o/a%0d%0aX-Injected:%201'],
    ['/o/%252e%252e/'],
    ['/o/%25%32%65'],
    ['/o/a%2fb'],
    ['/o/a%5c..%5cb'],
    ['/o/..;/admin'],
    ['/o/%2e%2e;/admin'],
  ])('answers %s with 400 path-invalid', async (target) => {
    const res = await raw(target)
    expectNoCrash(res)
    expect(res.status).toBe(400)
  })

  it.each([
    ['/o/../../../../echo', '/echo'],
    ['/o/%2e%2e/%2E%2E/o/echo', '/echo'],
    ['//o///echo', '/echo'],
    ['/o/./echo/.', '/echo/'],
    ['/o/%65cho', '/echo'],
  ])('normalises %s before routing (origin sees %s)', async (target, seen) => {
    const res = await raw(target)
    expectNoCrash(res)
    expect(res.status).toBeLessThan(500)
    if (res.status === 200) expect(JSON.parse(res.text).path).toBe(seen)
  })

  it('answers 414 to a target over maxUrlBytes, and never crashes on a 60 KiB one', async () => {
    const res = await raw(`/o/echo?${'q'.repeat(9_000)}`)
    expect(res.status).toBe(414)
    const huge = await raw(`/o/echo?${'%41'.repeat(20_000)}`).catch(() => undefined)
    if (huge) {
      expect(huge.status).toBeGreaterThanOrEqual(400)
      expect(huge.status).toBeLessThan(500)
    }
  })

  it('does not crash on a query full of malformed escapes', async () => {
    const res = await raw('/o/echo?a=%zz&%=%%&b=%c0%ae&c=%00&&&==')
    expectNoCrash(res)
    expect(res.status).toBe(200)
  })

  // workerd's HTTP server (kj url.c++ "invalid URL") answers every absolute-form request target with a
  // plain-text 500 before Portico runs, even a plain http://host/path; Cloudflare's edge takes them.
  // Unskip when workerd does (README "One consistent host" describes what Portico then does).
  it.skip('serves a request target in absolute form', async () => {
    const res = await raw('http://www.example.test/o/echo')
    expect(res.status).toBe(200)
  })

  it('never answers an absolute-form target with a Portico crash (problem+json 500)', async () => {
    for (const target of ['http://www.example.test/o/echo', 'http://WWW.EXAMPLE.TEST./o/echo?x=%zz', 'http://user:pw@www.example.test:65535/o/echo']) {
      const res = await raw(target)
      expect(res.text).not.toContain('urn:portico:internal')
    }
  })
})

describe('a client sending absurd Host headers', () => {
  it.each([
    ['an empty Host', ['Host: ']],
    ['a 300-label Host', [`Host: ${Array.from({ length: 300 }, () => 'a').join('.')}`]],
    ['a 4 KiB Host', [`Host: ${'h'.repeat(4096)}.example`]],
    ['a Host that is a trailing dot only', ['Host: .']],
    ['an upper-case Host with a trailing dot', ['Host: WWW.EXAMPLE.TEST.']],
  ])('answers a 4xx or a normal response, never a crash, to %s', async (_, headers) => {
    const res = await raw('/o/echo', headers)
    expectNoCrash(res)
    expect(res.status).toBeLessThan(500)
  })

  // workerd's HTTP server (kj url.c++, and Miniflare's entry worker's new URL()) fails on these before
  // Portico runs and answers a plain-text 500 itself; Cloudflare's edge refuses them with 400 first.
  // No Portico code is involved (its 500 would be problem+json and log "unhandled error"). Unskip when
  // workerd answers 400.
  it.skip('answers 400 to an invalid Host (workerd answers 500 before Portico runs)', async () => {
    const invalid = [
      ['Host: a b c'], // spaces
      ['Host: www.example.test:99999'], // a bad port
      ['Host: www.example.test:http'], // a non-numeric port
      ['Host: [::1'], // an unclosed IPv6 literal
      ['Host: a.example', 'Host: b.example'], // two Host headers
      ['Host: \u00e9vil.example'], // latin-1 bytes
      ['Host: user@www.example.test'], // userinfo
      ['Host: www.example.test/evil'], // a path
    ]
    for (const headers of invalid) expect((await raw('/o/echo', headers)).status, headers.join(' ')).toBe(400)
  })

  it.each([
    ['a Host with spaces', ['Host: a b c']],
    ['a Host with a bad port', ['Host: www.example.test:99999']],
    ['two Host headers', ['Host: a.example', 'Host: b.example']],
    ['a Host with a path', ['Host: www.example.test/evil']],
  ])('never answers %s with a Portico crash (problem+json 500)', async (_, headers) => {
    const res = await raw('/o/echo', headers)
    expect(res.text).not.toContain('urn:portico:internal')
  })
})

describe('a client sending huge or many headers', () => {
  it('answers 431 to more than 100 header fields', async () => {
    const res = await raw('/o/echo', Array.from({ length: 150 }, (_, i) => `X-Many-${i}: ${i}`))
    expectNoCrash(res)
    expect(res.status).toBe(431)
  })

  it('answers 431 to header bytes over 32 KiB', async () => {
    const res = await raw('/o/echo', [`X-Big: ${'b'.repeat(40_000)}`])
    expectNoCrash(res)
    expect(res.status).toBe(431)
  })

  it('answers 431 to a Cookie header over 32 KiB on a route with bypass cookies and experiments', async () => {
    const res = await raw('/ab/doc-cookie', [`Cookie: ${Array.from({ length: 4000 }, (_, i) => `c${i}=v${i}`).join('; ')}`])
    expectNoCrash(res)
    expect(res.status).toBe(431)
  })

  it('does not crash on header values with obs-text and odd whitespace', async () => {
    const res = await raw('/o/echo', ['X-Latin: caf\u00e9 \u00ff', 'X-Tabs: \ta\tb\t', 'X-Empty:'])
    expectNoCrash(res)
    expect(res.status).toBe(200)
  })
})

describe('a client sending odd methods', () => {
  it.each([['get'], ['Get'], ['FOO'], ['PROPFIND'], ['M'.repeat(200)], ['BREW'], ['X-Y_Z!']])('answers %s without crashing', async (method) => {
    const res = await raw('/o/echo', [], method)
    expectNoCrash(res)
    // workerd answers 501 itself for a method its parser does not know (README: platform), before Portico runs.
    expect(res.status).toBeLessThanOrEqual(501)
  })

  it('refuses trace and connect in any case', async () => {
    for (const method of ['TRACE', 'trace']) {
      const res = await raw('/o/echo', [], method)
      expectNoCrash(res)
      expect([405, 501]).toContain(res.status)
    }
  })

  it('does not crash on a method with a byte outside the token set', async () => {
    const res = await raw('/o/echo', [], 'GE\u00c9T').catch(() => undefined) // workerd may just close
    if (res) {
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(502)
    }
  })
})

describe('a client sending hostile Range headers on a cache hit', () => {
  beforeAll(async () => {
    await warm('/c/doc')
    await warm('/c/doc-head')
  })

  it('answers a valid range with 206 and a body that matches Content-Range', async () => {
    const res = await raw('/c/doc', ['Range: bytes=10-19'])
    expect(res.status).toBe(206)
    expect(header(res, 'content-range')).toBe(`bytes 10-19/${TEXT.length}`)
    expect(res.text).toBe(TEXT.slice(10, 20))
  })

  it('ignores Range on HEAD (range handling is defined for GET only, RFC 9110 section 14.2)', async () => {
    const res = await raw('/c/doc-head', ['Range: bytes=10-19'], 'HEAD')
    expect(res.status).toBe(200)
    expect(header(res, 'content-length')).toBe(String(TEXT.length))
  })

  // zstd only: Miniflare's entry worker imitates the edge's own gzip/br compression on every status,
  // 206 included (entry.worker.js ensureAcceptableEncoding), which no Portico code does.
  it('answers a range on a compressing, caching route with the stored bytes, not compressed ones', async () => {
    await warm('/zc/doc-range')
    const res = await send(portico.at('/zc/doc-range'), { headers: { host: HOST, range: 'bytes=5-14', 'accept-encoding': 'zstd, deflate' } })
    expectNoCrash(res)
    expect(res.status).toBe(206)
    expect(res.headers['content-encoding']).toBeUndefined()
    expect(res.headers['content-range']).toBe(`bytes 5-14/${TEXT.length}`)
    expect(res.body.toString()).toBe(TEXT.slice(5, 15))
  })

  it.each([
    ['bytes=abc'],
    ['bytes=5-1'],
    ['bytes=--1'],
    ['bytes=-'],
    ['bytes='],
    ['bytes=1-2-3'],
    ['bytes = 0-1'],
    ['items=0-1'],
    ['bytes=0x10-0x20'],
    ['bytes=1e3-'],
    ['bytes=0-1,garbage'],
    ['bytes=0-0,0-0,0-0,0-0,0-0'],
    [`bytes=${Array.from({ length: 2000 }, (_, i) => `${i}-${i}`).join(',')}`],
  ])('answers Range: %s with 200 (ignored), 206 or 416, never a crash (GET and HEAD)', async (range) => {
    for (const method of ['GET', 'HEAD']) {
      const path = method === 'GET' ? '/c/doc' : '/c/doc-head'
      const res = await raw(path, [`Range: ${range}`], method)
      expectNoCrash(res)
      expect([200, 206, 416]).toContain(res.status)
      if (res.status === 200 && method === 'GET') expect(res.text).toBe(TEXT)
      if (res.status === 206) {
        const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(res, 'content-range') ?? '')
        expect(m).not.toBeNull()
        if (m && method === 'GET') expect(res.text).toBe(TEXT.slice(Number(m[1]), Number(m[2]) + 1))
      }
    }
  })

  it('answers 416 to a range that starts past the end, also with a 20-digit start', async () => {
    for (const range of [`bytes=${TEXT.length}-`, 'bytes=99999999999999999999-', 'bytes=99999999999999999999-99999999999999999999']) {
      const res = await raw('/c/doc', [`Range: ${range}`])
      expectNoCrash(res)
      expect(res.status, range).toBe(416)
      expect(header(res, 'content-range')).toBe(`bytes */${TEXT.length}`)
    }
  })

  it('answers a zero suffix range (bytes=-0) with 416, not a 206 with no bytes', async () => {
    const res = await raw('/c/doc', ['Range: bytes=-0'])
    expectNoCrash(res)
    expect(res.status).toBe(416)
  })

  it('clamps a huge last byte and a huge suffix to the representation (206 of the whole, never more)', async () => {
    for (const range of ['bytes=0-99999999999999999999', 'bytes=-99999999999999999999', `bytes=1990-${Number.MAX_SAFE_INTEGER}`]) {
      const res = await raw('/c/doc', [`Range: ${range}`])
      expectNoCrash(res)
      expect(res.status, range).toBe(206)
      const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(header(res, 'content-range') ?? '')
      expect(m, range).not.toBeNull()
      expect(Number(m?.[2])).toBe(TEXT.length - 1)
      expect(res.text).toBe(TEXT.slice(Number(m?.[1])))
    }
  })

  it.each([
    ['If-Range: garbage'],
    ['If-Range: W/"v1"'], // a weak validator never matches If-Range (RFC 9110 section 13.1.5)
    ['If-Range: "other"'],
    ['If-Range: Mon, 01 Jan 2024 00:00:00 GMT'],
    ['If-Range: Mon, 32 Foo 99999 99:99:99 GMT'],
    ['If-Range: '],
  ])('does not crash on %s with a Range, and serves the whole unless it matches', async (ifRange) => {
    const res = await raw('/c/doc', ['Range: bytes=0-9', ifRange])
    expectNoCrash(res)
    expect([200, 206]).toContain(res.status)
    if (ifRange.includes('garbage') || ifRange.includes('other') || ifRange.includes('W/')) expect(res.status).toBe(200)
  })

  it('answers If-Range with the stored strong ETag by the range', async () => {
    const res = await raw('/c/doc', ['Range: bytes=0-9', `If-Range: ${TEXT_ETAG}`])
    expect(res.status).toBe(206)
    expect(res.text).toBe(TEXT.slice(0, 10))
  })
})

describe('a client sending garbage conditionals on a cache hit', () => {
  beforeAll(() => warm('/c/doc'))

  it.each([
    ['If-None-Match: "'],
    ['If-None-Match: W/'],
    ['If-None-Match: ,,,'],
    ['If-None-Match: "unterminated, "v1"'],
    [`If-None-Match: ${Array.from({ length: 500 }, (_, i) => `"e${i}"`).join(', ')}`],
    ['If-Modified-Since: garbage'],
    ['If-Modified-Since: Mon, 32 Foo 99999 99:99:99 GMT'],
    ['If-Modified-Since: 0'],
    ['If-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT'],
    ['If-Unmodified-Since: nope'],
    ['If-Match: "'],
  ])('answers %s with 200, 304 or 412, never a crash', async (cond) => {
    const res = await raw('/c/doc', [cond])
    expectNoCrash(res)
    expect([200, 304, 412]).toContain(res.status)
  })

  it('answers 304 to If-None-Match naming the stored ETag among garbage', async () => {
    const res = await raw('/c/doc', [`If-None-Match: garbage, "x", W/${TEXT_ETAG}`])
    expect(res.status).toBe(304)
  })

  it('does not answer 304 to an If-Modified-Since in the far future (a date not to be trusted) with a body-less 200', async () => {
    const res = await raw('/c/doc', ['If-Modified-Since: Fri, 31 Dec 9999 23:59:59 GMT'])
    if (res.status === 200) expect(res.text).toBe(TEXT)
  })
})

describe('a client sending garbage Cache-Control request directives', () => {
  beforeAll(() => warm('/c/doc-cc'))

  it.each([
    ['max-age=-1'],
    ['max-age=abc'],
    ['max-age=99999999999999999999999'],
    ['max-age="5"'],
    ['max-stale'],
    ['max-stale='],
    ['max-stale=abc'],
    ['max-stale=99999999999999999999'],
    ['min-fresh=99999999999999999999'],
    ['min-fresh=-5'],
    ['only-if-cached, max-age=abc'],
    ['no-cache="'],
    ['no-store, no-store, no-store'],
    [',,,;;;==='],
    [`${'x'.repeat(5000)}=1`],
  ])('answers Cache-Control: %s with 200 or 504 (only-if-cached), never a crash', async (cc) => {
    const res = await raw('/c/doc-cc', [`Cache-Control: ${cc}`])
    expectNoCrash(res)
    expect([200, 504]).toContain(res.status)
    if (res.status === 200) expect(res.text).toBe(TEXT)
  })
})

describe('a client sending garbage Accept-Encoding to a compressing route', () => {
  beforeAll(() => warm('/zc/doc-enc'))

  it.each([
    ['gzip;q=abc'],
    ['gzip;q=2'],
    ['gzip;q=-1'],
    ['gzip;q=0.5;q=0.9'],
    ['*;q=0'],
    ['identity;q=0, *;q=0'],
    [';;;,,,'],
    ['GZIP, BR;Q=1'],
    ['x-gzip'],
    ['gzip;q=0.0000001'],
    ['zstd;q=1e3'],
    [Array.from({ length: 2000 }, (_, i) => `coding${i};q=0.${i % 10}`).join(', ')],
  ])('answers Accept-Encoding: %s with a body the client can decode (or 406), never a crash', async (ae) => {
    for (const path of ['/z/doc-enc', '/zc/doc-enc']) {
      const res = await send(portico.at(path), { headers: { host: HOST, 'accept-encoding': ae } })
      expectNoCrash(res)
      // 415: workerd's own response encoding refuses a client that excludes identity, after Portico
      // answered 200 uncompressed (its log line says 200); platform, not Portico.
      expect([200, 406, 415]).toContain(res.status)
      if (res.status !== 200) continue
      const coding = res.headers['content-encoding']
      if (coding === 'gzip') expect(gunzipSync(res.body).toString()).toBe(TEXT)
      else if (coding === undefined) expect(res.body.toString()).toBe(TEXT)
      else expect(['br', 'zstd', 'deflate']).toContain(coding)
    }
  })
})

describe('a client sending malformed cookies to a route with bypass cookies, keyed cookies, a cookie rate limit and an experiment', () => {
  it.each([
    ['=;;; session'],
    ['session'],
    ['session='],
    ['%zz=%zz; lang=%zz; sid=%'],
    ['portico_ab_release=garbage'],
    ['portico_ab_release=a.b.c.d.e'],
    ['portico_ab_release=..'],
    [`portico_ab_release=${'x'.repeat(4000)}`],
    ['uid=; uid=; uid='],
    ['uid="\\"'],
    ['lang=en; lang=fr; lang'],
    [';'],
    ['\t;\t'],
  ])('answers Cookie: %s without crashing', async (cookie) => {
    const res = await raw('/ab/doc-cookie', [`Cookie: ${cookie}`])
    expectNoCrash(res)
    expect(res.status).toBe(200)
  })

  it('does not crash on garbage sticky and hash-key cookies', async () => {
    for (const cookie of ['st=', 'st=garbage', 'st=a.b.c.d', 'st=%zz', `st=${'s'.repeat(4000)}`, 'uid=', 'uid=%zz; uid=2', `uid=${'u'.repeat(4000)}`, 'st=1.2.3; st=4.5.6']) {
      for (const prefix of ['/st', '/ch']) {
        const res = await raw(`${prefix}/echo`, [`Cookie: ${cookie}`])
        expectNoCrash(res)
        expect(res.status, `${prefix} ${cookie.slice(0, 40)}`).toBe(200)
        expect(['a', 'b']).toContain(res.text)
      }
    }
  })

  it('does not crash on a variant override that names nothing sensible', async () => {
    for (const v of ['release=', '=canary', 'release=nope, ,,=', 'release=canary;release=stable', '%%%']) {
      const res = await raw('/ab/doc-cookie?portico-variant=release:%zz', [`X-Portico-Variant: ${v}`])
      expectNoCrash(res)
      expect(res.status).toBe(200)
    }
  })
})

describe('a client sending bogus credentials to a route with JWT and Basic auth', () => {
  const nowSeconds = () => Math.floor(Date.now() / 1000)

  it.each([
    ['Bearer'],
    ['Bearer '],
    ['Bearer a.b.c'],
    ['Bearer ....'],
    ['Bearer %%%.%%%.%%%'],
    ['Bearer eyJ.eyJ.eyJ'],
    [`Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"iss":"https://issuer.example/"}').toString('base64url')}.`],
    [`Bearer ${'A'.repeat(20_000)}`],
    ['bearer  x'],
    ['Basic'],
    ['Basic !!!'],
    [`Basic ${Buffer.from('no-colon').toString('base64')}`],
    [`Basic ${Buffer.from('alice:wrong').toString('base64')}`],
    [`Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x00]).toString('base64')}`],
    ['Negotiate abc'],
    ['Digest username="x"'],
    [''],
  ])('answers Authorization: %s with 401', async (auth) => {
    const res = await raw('/auth/echo', [`Authorization: ${auth}`])
    expectNoCrash(res)
    expect(res.status).toBe(401)
    expect(header(res, 'www-authenticate')).toBeTruthy()
  })

  it.each([
    ['a header that is not JSON', { alg: 'HS256' }, 'not-json'],
    ['a header that is a JSON array', [1, 2, 3], undefined],
    ['a payload that is a JSON string', undefined, '"just a string"'],
    ['an exp that is a string', undefined, { iss: 'https://issuer.example/', aud: 'api', exp: 'tomorrow' }],
    ['an aud that is an object', undefined, { iss: 'https://issuer.example/', aud: { x: 1 }, exp: 9_999_999_999 }],
    ['an iss that is a number', undefined, { iss: 42, aud: 'api', exp: 9_999_999_999 }],
    ['an nbf of 1e308 (never valid)', undefined, { iss: 'https://issuer.example/', aud: 'api', exp: 1e308, nbf: 1e308 }],
  ])('answers a signed token with %s with 401', async (_, head, payload) => {
    const b64 = (x: unknown) => Buffer.from(typeof x === 'string' ? x : JSON.stringify(x)).toString('base64url')
    const h = b64(head ?? { alg: 'HS256', typ: 'JWT' })
    const p = b64(payload ?? {})
    const input = `${h}.${p}`
    const token = `${input}.${createHmac('sha256', JWT_SECRET).update(input).digest('base64url')}`
    const res = await raw('/auth/echo', [`Authorization: Bearer ${token}`])
    expectNoCrash(res)
    expect(res.status).toBe(401)
  })

  it('lets a valid token through, also from a cookie among garbage cookies', async () => {
    const token = hs256({ iss: 'https://issuer.example/', aud: 'api', exp: nowSeconds() + 600, sub: 'u1' })
    expect((await raw('/auth/echo', [`Authorization: Bearer ${token}`])).status).toBe(200)
    const res = await raw('/auth/echo', [`Cookie: ;;=; token=${token}; %zz=1`])
    expectNoCrash(res)
    expect(res.status).toBe(200)
  })

  it('answers a garbage token cookie with 401', async () => {
    const res = await raw('/auth/echo', ['Cookie: token=%zz.%%.=='])
    expectNoCrash(res)
    expect(res.status).toBe(401)
  })
})

describe('a client sending other hostile headers', () => {
  it.each([
    ['traceparent: 00-zzzz'],
    ['traceparent: ff-00000000000000000000000000000000-0000000000000000-01'],
    [`traceparent: 00-${'a'.repeat(32)}-${'b'.repeat(16)}-01-${'x'.repeat(5000)}`],
    ['traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01, 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['tracestate: ,,,=,=,===='],
    ['X-Request-Id: \u00ff\u00fe'],
    [`X-Request-Id: ${'r'.repeat(5000)}`],
    ['Via: garbage, , ,'],
    ['Max-Forwards: -1'],
    ['Forwarded: for="[::1'],
    ['X-Forwarded-For: ,,,,not-an-ip'],
    ['CF-Connecting-IP: not-an-ip'],
    ['CF-Connecting-IP: 999.999.999.999'],
    ['Content-Type: multipart/form-data; boundary="'],
    ['Accept: text/html;q=abc, */*;q=-1'],
    ['Origin: null'],
    ['Portico-Debug: 1'],
    [`Portico-Debug: ${'d'.repeat(5000)}`],
    ['Server-Timing: garbage'],
  ])('answers %s without crashing', async (h) => {
    const res = await raw('/o/echo', [h])
    expectNoCrash(res)
    expect(res.status).toBe(200)
  })

  it('answers OPTIONS with Max-Forwards garbage without crashing', async () => {
    for (const mf of ['-1', 'abc', '99999999999999999999', '0x0', '']) {
      const res = await raw('/o/echo', [`Max-Forwards: ${mf}`], 'OPTIONS')
      expectNoCrash(res)
      expect(res.status).toBeLessThan(500)
    }
  })

  it('runs the filter on a query and body of malformed escapes without crashing', async () => {
    const res = await raw('/f/echo?q=%zz%%%c0%ae%25%25%25%32%35', ['Content-Type: application/x-www-form-urlencoded', 'Content-Length: 12'], 'POST', '%%zz%c0=%25+')
    expectNoCrash(res)
    expect(res.status).toBe(200)
  })
})

describe('a client with a lying request body', () => {
  it('answers Expect: 100-continue and then the request', async () => {
    const res = await raw('/o/echo', ['Expect: 100-continue', 'Content-Length: 5'], 'POST', 'hello')
    expectNoCrash(res)
    // Either the 100 then the 200, or the 200 at once: the final answer is what counts.
    expect(res.status === 100 ? res.text : res.statusLine).toMatch(/200|HTTP\/1.1 200/)
  })

  it('answers an unknown Expect with 417 or forwards it, never a crash', async () => {
    const res = await raw('/o/echo', ['Expect: teapot', 'Content-Length: 0'], 'POST')
    expectNoCrash(res)
    expect([200, 417]).toContain(res.status)
  })

  it('never passes Content-Length and chunked together on to the origin (request smuggling, RFC 9112 section 6.3)', async () => {
    const res = await raw('/o/echo', ['Content-Length: 3', 'Transfer-Encoding: chunked'], 'POST', '5\r\nhello\r\n0\r\n\r\n')
    expectNoCrash(res)
    if (res.status !== 200) return expect(res.status).toBeGreaterThanOrEqual(400) // refused: as good
    const seen = (JSON.parse(res.text) as RawRequest).headers.map(([name]) => name)
    expect(seen.includes('content-length') && seen.includes('transfer-encoding')).toBe(false)
  })

  // workerd's HTTP server (kj http.c++: "invalid Content-Length header value", "unknown transfer
  // encoding") answers these with a plain-text 500 before Portico runs; Cloudflare's edge answers 400.
  it.skip('answers an invalid body framing with 400 (workerd answers 500 before Portico runs)', async () => {
    const invalid = [['Content-Length: -1'], ['Content-Length: abc'], ['Content-Length: 5', 'Content-Length: 6'], ['Transfer-Encoding: gzip']]
    for (const headers of invalid) expect((await raw('/o/echo', headers, 'POST', 'hello')).status, headers.join(' ')).toBe(400)
  })

  it('does not hang on a body shorter than its Content-Length when the client then half-closes', async () => {
    // The client declares 100 bytes, sends 10 and stops; Portico must not wait past a bounded time.
    const started = performance.now()
    const res = await raw('/t/echo', ['Content-Length: 100'], 'POST', '0123456789', 12_000).catch((e: Error) => e)
    expect(performance.now() - started).toBeLessThan(12_500)
    if (!(res instanceof Error)) expectNoCrash(res)
  })
})

// ---------------------------------------------------------------------------------------------
// Hostile origins
// ---------------------------------------------------------------------------------------------

describe('an origin answering with a status no response may carry', () => {
  it.each([['/status-600'], ['/status-799'], ['/status-999']])('answers %s with 502 upstream-invalid-response', async (path) => {
    for (const prefix of ['/o', '/c', '/zc']) {
      const res = await send(portico.at(prefix + path))
      expectNoCrash(res)
      expect(res.status).toBe(502)
      expect(JSON.parse(res.body.toString())).toMatchObject({ type: 'urn:portico:upstream-invalid-response' })
      expect(res.headers['cache-control']).toBe('no-store')
    }
  })

  it.each([['/status-1000'], ['/status-099'], ['/status-abc']])('answers an unparseable status line (%s) with 502', async (path) => {
    const res = await send(portico.at(`/o${path}`))
    expectNoCrash(res)
    expect(res.status).toBe(502)
  })

  // workerd's fetch() resolves with the interim 103 (or 100) as if it were the final response, so
  // Portico never sees the 200 behind it and answers 502 (next test). nginx, Envoy and HAProxy skip
  // or relay interim responses and deliver the final one. Unskip when workerd does.
  it.skip('passes interim 1xx responses over and delivers the final one', async () => {
    const res = await send(portico.at('/o/early-hints'))
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('final\n')
  })

  it('answers an interim response it cannot see past with 502 upstream-invalid-response, not a crash', async () => {
    const res = await send(portico.at('/o/early-hints'))
    expectNoCrash(res)
    expect(res.status).toBe(502)
    expect(JSON.parse(res.body.toString())).toMatchObject({ type: 'urn:portico:upstream-invalid-response' })
  })

  it('answers 502 or 504 when the origin sends only a 100 Continue and then nothing, within firstByteMs', async () => {
    const started = performance.now()
    const res = await send(portico.at('/t/only-interim'))
    expectNoCrash(res)
    expect([502, 504]).toContain(res.status)
    expect(performance.now() - started).toBeLessThan(4_000)
  })

  it('sends a 204 without the body the origin attached', async () => {
    const res = await raw('/o/no-content-body')
    expectNoCrash(res)
    expect(res.status).toBe(204)
    expect(res.body.length).toBe(0)
  })

  it('sends an unsolicited 304 without the body the origin attached', async () => {
    const res = await raw('/o/not-modified-body')
    expectNoCrash(res)
    expect(res.status).toBe(304)
    expect(res.body.length).toBe(0)
  })
})

describe('an origin whose body ends short of its Content-Length', () => {
  it('cuts the client off (not a complete short body) and does not store it', async () => {
    const before = origin.hits('/short')
    const first = await send(portico.at('/c/short'))
    expectNoCrash(first)
    expect(first.status).toBe(200)
    expect(first.complete).toBe(false)
    expect(first.body.length).toBeLessThan(5000)
    await new Promise((r) => setTimeout(r, 300))
    const second = await send(portico.at('/c/short'))
    expect(second.complete).toBe(false)
    expect(second.headers['cache-status'] ?? '').not.toMatch(/hit/)
    expect(origin.hits('/short')).toBe(before + 2)
  })

  it('does not store it on a caching, compressing route either, and the encoded body is not complete', async () => {
    const before = origin.hits('/short-gzip-client')
    const first = await send(portico.at('/zc/short-gzip-client'), { headers: { 'accept-encoding': 'gzip' } })
    expectNoCrash(first)
    expect(first.status).toBe(200)
    const decodes = (() => {
      try {
        return first.headers['content-encoding'] === 'gzip' ? gunzipSync(first.body).length === 5000 : first.complete
      } catch {
        return false
      }
    })()
    expect(decodes).toBe(false)
    await new Promise((r) => setTimeout(r, 300))
    const second = await send(portico.at('/zc/short-gzip-client'), { headers: { 'accept-encoding': 'gzip' } })
    expect(second.headers['cache-status'] ?? '').not.toMatch(/hit/)
    expect(origin.hits('/short-gzip-client')).toBe(before + 2)
  })

  it('passes the origin reset mid-body on as a cut (uncompressed, sized)', async () => {
    const res = await send(portico.at('/o/reset-sized'))
    expectNoCrash(res)
    expect(res.complete).toBe(false)
  })

  it('does not let a body reset mid-way decode as complete with compression on, and does not store it', async () => {
    const before = origin.hits('/reset-sized')
    const res = await send(portico.at('/zc/reset-sized'), { headers: { 'accept-encoding': 'gzip' } })
    expectNoCrash(res)
    expect(res.status).toBe(200)
    let whole: boolean
    try {
      whole = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body).length === 50_000 : res.complete
    } catch {
      whole = false
    }
    expect(whole).toBe(false)
    await new Promise((r) => setTimeout(r, 300))
    const again = await send(portico.at('/zc/reset-sized'), { headers: { 'accept-encoding': 'gzip' } })
    expect(again.headers['cache-status'] ?? '').not.toMatch(/hit/)
    expect(origin.hits('/reset-sized')).toBe(before + 2)
  })
})

describe('an origin that sends headers and then stalls', () => {
  it.each([['/stall-sized'], ['/stall-headers-only']])('cuts the client off at totalMs (%s), not a hang', async (path) => {
    const started = performance.now()
    const res = await send(portico.at(`/t${path}`))
    expect(performance.now() - started).toBeLessThan(3_000)
    expectNoCrash(res)
    expect(res.status).toBe(200)
    expect(res.complete).toBe(false)
  })

  it('cuts a chunked stall off at totalMs, not a hang', async () => {
    const started = performance.now()
    const res = await send(portico.at('/t/stall-chunked'))
    expect(performance.now() - started).toBeLessThan(3_000)
    expectNoCrash(res)
    expect(res.body.toString()).not.toMatch(/done/)
  })

  it('cuts a stall off at totalMs with compression on, and the encoded body does not decode as complete', async () => {
    const started = performance.now()
    const res = await send(portico.at('/tz/stall-sized'), { headers: { 'accept-encoding': 'gzip' } })
    expect(performance.now() - started).toBeLessThan(3_000)
    expectNoCrash(res)
    let decoded: Buffer | undefined
    try {
      decoded = res.headers['content-encoding'] === 'gzip' ? gunzipSync(res.body) : undefined
    } catch {
      decoded = undefined
    }
    expect(decoded).toBeUndefined() // a gzip stream without its trailer
  })
})

describe('an origin that declares gzip and sends something else, with compression on', () => {
  it('passes it byte for byte to a client that accepts gzip', async () => {
    const res = await send(portico.at('/z/not-gzip'), { headers: { 'accept-encoding': 'gzip' } })
    expectNoCrash(res)
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(res.body.toString()).toBe('z'.repeat(2000))
  })

  it('does not pass a failed decode off as a complete body to a client that refuses gzip', async () => {
    const res = await send(portico.at('/z/not-gzip'), { headers: { 'accept-encoding': 'identity' } }).catch((e: Error) => e)
    if (res instanceof Error) return // the connection was cut: acceptable
    expectNoCrash(res)
    if (res.status === 200) {
      // Whatever arrived must not be a clean, complete body claiming to be the representation.
      expect(res.complete && res.body.length > 0 && res.headers['content-encoding'] === undefined).toBe(false)
    } else expect(res.status).toBe(502)
  })

  it('does not crash on it when the client accepts only zstd (decode then re-encode)', async () => {
    const res = await send(portico.at('/z/not-gzip'), { headers: { 'accept-encoding': 'zstd' } }).catch((e: Error) => e)
    if (res instanceof Error) return
    expectNoCrash(res)
    expect([200, 502]).toContain(res.status)
  })

  it('does not store the undecodable body for clients that refuse gzip', async () => {
    const before = origin.hits('/not-gzip-cached')
    await send(portico.at('/zc/not-gzip-cached'), { headers: { 'accept-encoding': 'identity' } }).catch(() => undefined)
    await new Promise((r) => setTimeout(r, 300))
    const again = await send(portico.at('/zc/not-gzip-cached'), { headers: { 'accept-encoding': 'identity' } }).catch((e: Error) => e)
    if (again instanceof Error) return
    expectNoCrash(again)
    // Served from storage would mean a broken body was stored as if whole.
    if ((again.headers['cache-status'] ?? '').includes('hit')) expect(again.complete).toBe(false)
    expect(origin.hits('/not-gzip-cached')).toBeGreaterThanOrEqual(before + 1)
  })
})

describe('an origin sending invalid Location headers through a prefix-rewriting route', () => {
  it.each([
    ['/loc-relative'],
    ['/loc-garbage'],
    ['/loc-bad-ipv6'],
    ['/loc-long'],
    ['/loc-scheme-relative'],
    ['/loc-empty'],
    ['/loc-self-port-garbage'],
    ['/loc-two'],
  ])('passes the 302 of %s without crashing', async (path) => {
    for (const prefix of ['/o', '/app']) {
      const res = await send(portico.at(prefix + path), { headers: { host: HOST } })
      expectNoCrash(res)
      expect(res.status).toBe(302)
    }
  })

  it('leaves a scheme-relative Location to another host alone', async () => {
    const res = await send(portico.at('/o/loc-scheme-relative'), { headers: { host: HOST } })
    expect(res.headers.location).toBe('//evil.example/x')
  })

  it('rewrites a Location naming the upstream to the public host and prefix', async () => {
    const res = await send(portico.at('/o/loc-self'), { headers: { host: HOST } })
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`http://${HOST}/o/target?q=1`)
  })
})

describe('an origin sending Set-Cookie with odd Domain and Path through a prefix-rewriting route', () => {
  it('passes every cookie as its own header without crashing', async () => {
    for (const prefix of ['/o', '/app']) {
      const res = await send(portico.at(`${prefix}/cookies`), { headers: { host: HOST } })
      expectNoCrash(res)
      expect(res.status).toBe(200)
      const cookies = res.headers['set-cookie'] ?? []
      expect(cookies.length).toBe(7)
      // The one naming the upstream host gets the public host.
      expect(cookies[0]).toMatch(/Domain=www\.example\.test/i)
    }
  })
})

describe('an origin sending garbage caching headers', () => {
  it.each([['/cc-garbage'], ['/cc-huge'], ['/cc-expires'], ['/cc-date-far'], ['/cc-age-nan'], ['/vary-many'], ['/vary-empty'], ['/vary-commas'], ['/vary-bad-token']])(
    'serves %s twice through the cache without crashing',
    async (path) => {
      for (const prefix of ['/c', '/zc']) {
        for (let i = 0; i < 2; i++) {
          const res = await send(portico.at(prefix + path), { headers: { host: HOST, 'accept-encoding': 'identity' } })
          expectNoCrash(res)
          expect(res.status).toBe(200)
          expect(res.body.toString()).toBe(TEXT)
          expect(res.complete).toBe(true)
        }
      }
    },
  )

  it('treats a garbage max-age and invalid Age as stale, never as fresh for years', async () => {
    await send(portico.at('/c/cc-garbage'), { headers: { host: HOST } })
    const res = await send(portico.at('/c/cc-garbage'), { headers: { host: HOST } })
    const status = res.headers['cache-status'] ?? ''
    if (status.includes('hit')) expect(status).not.toMatch(/ttl=\d{5,}/)
  })

  it('never stores a Vary: * response', async () => {
    const before = origin.hits('/vary-star')
    await send(portico.at('/c/vary-star'))
    const second = await send(portico.at('/c/vary-star'))
    expectNoCrash(second)
    expect(second.headers['cache-status'] ?? '').not.toMatch(/hit/)
    expect(origin.hits('/vary-star')).toBe(before + 2)
  })

  it('keys a Vary with 100 header names and still hits for the same request', async () => {
    await send(portico.at('/c/vary-many'), { headers: { host: HOST, 'x-vary-7': 'a' } })
    const res = await send(portico.at('/c/vary-many'), { headers: { host: HOST, 'x-vary-7': 'a' } })
    expectNoCrash(res)
    expect(res.status).toBe(200)
    const other = await send(portico.at('/c/vary-many'), { headers: { host: HOST, 'x-vary-7': 'b' } })
    expect(other.headers['cache-status'] ?? '').not.toMatch(/hit/)
  })
})

describe('an origin sending huge response headers', () => {
  it.each([['/huge-header'], ['/many-headers']])('passes %s on or answers 502, never a crash', async (path) => {
    for (const prefix of ['/o', '/c', '/zc']) {
      const res = await raw(prefix + path, ['Accept-Encoding: gzip'])
      expectNoCrash(res)
      expect([200, 502]).toContain(res.status)
    }
  })
})

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('an origin that fails a revalidation or a background refresh', () => {
  it('serves the stored body whole after a 304 full of garbage headers (and a body it must ignore)', async () => {
    await send(portico.at('/c/reval-garbage-304'))
    await pause(2_100)
    const res = await send(portico.at('/c/reval-garbage-304'))
    expectNoCrash(res)
    expect(res.status).toBe(200)
    expect(res.complete).toBe(true)
    expect(res.body.toString()).toBe(TEXT)
    const again = await send(portico.at('/c/reval-garbage-304'))
    expectNoCrash(again)
    expect(again.body.toString()).toBe(TEXT)
  })

  it('answers a revalidation that gets status 999 with 502, or the stale copy where stale-if-error allows', async () => {
    await send(portico.at('/c/reval-999'))
    await send(portico.at('/s/reval-999-lenient'))
    await pause(2_100)
    const strict = await send(portico.at('/c/reval-999'))
    expectNoCrash(strict)
    expect(strict.status).toBe(502)
    const lenient = await send(portico.at('/s/reval-999-lenient'))
    expectNoCrash(lenient)
    expect(lenient.status).toBe(200)
    expect(lenient.body.toString()).toBe(TEXT)
    expect(lenient.headers['cache-status']).toMatch(/stale-if-error/)
  })

  it('does not replace a stored body with a revalidation answer cut short of its Content-Length', async () => {
    await send(portico.at('/c/reval-short'))
    await pause(2_100)
    const cut = await send(portico.at('/c/reval-short'))
    expectNoCrash(cut)
    expect(cut.complete).toBe(false)
    await pause(300)
    const next = await send(portico.at('/c/reval-short'))
    expectNoCrash(next)
    // Either the old entry (stale, revalidated again) or a fresh fetch: never the broken "broken".
    if (next.complete) expect(next.body.toString()).toBe(TEXT)
  })

  it.each([['/swr-short'], ['/swr-999']])('keeps serving the good stale copy when the background refresh of %s fails', async (path) => {
    await send(portico.at(`/c${path}`))
    await pause(2_100)
    const stale = await send(portico.at(`/c${path}`))
    expectNoCrash(stale)
    expect(stale.status).toBe(200)
    expect(stale.body.toString()).toBe(TEXT)
    expect(stale.headers['cache-status']).toMatch(/stale-while-revalidate/)
    await pause(500) // the refresh has failed by now
    const after = await send(portico.at(`/c${path}`))
    expectNoCrash(after)
    expect(after.status).toBe(200)
    expect(after.complete).toBe(true)
    expect(after.body.toString()).toBe(TEXT)
  })
})

describe('an origin sending responses a cache must not take for a full representation', () => {
  it('never stores an unsolicited 206, and never serves a range of the whole from it', async () => {
    const first = await send(portico.at('/c/partial'))
    expectNoCrash(first)
    expect(first.status).toBe(206)
    const ranged = await send(portico.at('/c/partial'), { headers: { range: 'bytes=100-109' } })
    expectNoCrash(ranged)
    expect(ranged.headers['cache-status'] ?? '').not.toMatch(/hit/)
    const whole = await send(portico.at('/c/partial'))
    expect(whole.headers['cache-status'] ?? '').not.toMatch(/hit/)
  })

  it('passes a 206 with a garbage Content-Range without crashing or storing it', async () => {
    for (const prefix of ['/c', '/zc']) {
      const res = await send(portico.at(`${prefix}/partial-garbage`), { headers: { 'accept-encoding': 'gzip' } })
      expectNoCrash(res)
      expect([206, 502]).toContain(res.status)
      const again = await send(portico.at(`${prefix}/partial-garbage`))
      expect(again.headers['cache-status'] ?? '').not.toMatch(/hit/)
    }
  })

  it('does not crash on a 200 that carries a Content-Range, and serves ranges of its whole body', async () => {
    await send(portico.at('/c/range-on-200'))
    const res = await send(portico.at('/c/range-on-200'), { headers: { range: 'bytes=10-19' } })
    expectNoCrash(res)
    if (res.status === 206) expect(res.body.toString()).toBe(TEXT.slice(10, 20))
  })

  it('does not store an unsolicited 304 to an unconditional GET, nor crash on it', async () => {
    const before = origin.hits('/not-modified-cacheable')
    for (const prefix of ['/c', '/zc', '/c']) {
      const res = await raw(`${prefix}/not-modified-cacheable`)
      expectNoCrash(res)
      expect([304, 502]).toContain(res.status)
    }
    expect(origin.hits('/not-modified-cacheable')).toBe(before + 3)
  })

  it('serves a cacheable 204 without the body its origin attached, from storage too', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await raw('/c/no-content-cacheable')
      expectNoCrash(res)
      expect(res.status).toBe(204)
      expect(res.body.length).toBe(0)
    }
  })

  it('does not store a body cut off by totalMs', async () => {
    const before = origin.hits('/stall-cacheable')
    const first = await send(portico.at('/tc/stall-cacheable'))
    expectNoCrash(first)
    expect(first.complete).toBe(false)
    await pause(300)
    const second = await send(portico.at('/tc/stall-cacheable'))
    expect(second.complete).toBe(false)
    expect(second.headers['cache-status'] ?? '').not.toMatch(/hit/)
    expect(origin.hits('/stall-cacheable')).toBe(before + 2)
  })

  it('does not store a response that sets a cookie, even when it says public', async () => {
    await send(portico.at('/c/set-cookie-cacheable'))
    const res = await send(portico.at('/c/set-cookie-cacheable'))
    expect(res.headers['cache-status'] ?? '').not.toMatch(/hit/)
  })
})

describe('an origin sending odd codings, validators and types to a compressing route', () => {
  it.each([['/enc-stacked'], ['/enc-unknown'], ['/enc-identity'], ['/enc-empty'], ['/not-zstd'], ['/not-deflate'], ['/type-garbage']])(
    'serves %s to clients of every Accept-Encoding without crashing',
    async (path) => {
      for (const prefix of ['/z', '/zc']) {
        for (const ae of ['identity', 'gzip', 'zstd', 'br', '']) {
          const res = await send(portico.at(prefix + path), { headers: { 'accept-encoding': ae } }).catch((e: Error) => e)
          if (res instanceof Error) continue // a cut connection after a failed decode is acceptable
          expectNoCrash(res)
          expect([200, 502]).toContain(res.status)
        }
      }
    },
  )

  it('does not pass an undecodable zstd or deflate body off as complete to a client that refuses it', async () => {
    for (const path of ['/z/not-zstd', '/z/not-deflate']) {
      const res = await send(portico.at(path), { headers: { 'accept-encoding': 'identity' } }).catch((e: Error) => e)
      if (res instanceof Error) continue
      expectNoCrash(res)
      if (res.status === 200) expect(res.complete && res.body.length > 0 && res.headers['content-encoding'] === undefined, path).toBe(false)
    }
  })

  it.each([['/etag-garbage'], ['/etag-weak-empty']])('does not crash weakening or comparing a malformed ETag (%s)', async (path) => {
    await send(portico.at(`/zc${path}`), { headers: { 'accept-encoding': 'gzip' } })
    const res = await send(portico.at(`/zc${path}`), { headers: { 'accept-encoding': 'gzip', 'if-none-match': 'W/"unquoted garbage", *x, W/' } })
    expectNoCrash(res)
    expect([200, 304]).toContain(res.status)
  })

  it('does not crash on garbage targeted cache fields and a huge Cache-Tag list, and strips them', async () => {
    for (const path of ['/c/targeted-garbage', '/c/tags-many', '/c/targeted-garbage']) {
      const res = await send(portico.at(path))
      expectNoCrash(res)
      expect(res.status).toBe(200)
      expect(res.headers['cache-tag']).toBeUndefined()
      expect(res.headers['cdn-cache-control']).toBeUndefined()
    }
  })
})

describe('a client sending hostile unsafe requests to a caching route whose origin sends garbage Location', () => {
  it.each([['/loc-two'], ['/loc-bad-ipv6'], ['/loc-garbage'], ['/loc-long'], ['/loc-empty'], ['/loc-self-port-garbage']])(
    'invalidates around the Location of %s without crashing',
    async (path) => {
      for (const method of ['POST', 'DELETE', 'PUT']) {
        const res = await send(portico.at(`/c${path}`), { method, headers: { host: HOST }, body: 'x' })
        expectNoCrash(res)
        expect(res.status).toBe(302)
      }
    },
  )
})

describe('a client sending garbage to the KV-tier cache key, address rules, rate limits and CORS', () => {
  it('does not crash on a query of garbage with sorted, filtered keys and the KV tier', async () => {
    for (const q of ['?&&&=&a=%zz&a&a=1&utm_source=%', `?${'k'.repeat(7_000)}=1`, '?b=2&a=1&%00=%ff', '?=&=&=']) {
      for (let i = 0; i < 2; i++) {
        const res = await raw(`/kv/cacheable${q}`)
        expectNoCrash(res)
        expect(res.status).toBe(200)
        expect(res.text).toBe(TEXT)
      }
    }
  })

  it.each([
    ['not-an-ip'],
    ['999.999.999.999'],
    ['1.2.3'],
    ['::ffff:999.1.1.1'],
    ['fe80::1%eth0'],
    ['1:2:3:4:5:6:7:8:9'],
    ['::'],
    ['2001:db8::1, 10.0.0.1'],
    [''],
    ['0x0a.0.0.1'],
  ])('answers CF-Connecting-IP: %s with 403 on an allow list, and serves it on an ip-hash pool with a per-ip limit', async (ip) => {
    const gated = await raw('/ip/echo', [`CF-Connecting-IP: ${ip}`])
    expectNoCrash(gated)
    expect(gated.status).toBe(403)
    const limited = await raw('/rl/echo', [`CF-Connecting-IP: ${ip}`])
    expectNoCrash(limited)
    expect(limited.status).toBe(200)
  })

  it('lets an allowed address through an IPv4-mapped spelling', async () => {
    const res = await raw('/ip/echo', ['CF-Connecting-IP: ::ffff:10.1.2.3'])
    expect(res.status).toBe(200)
  })

  it.each([
    ['Origin: null'],
    ['Origin: https://evil.example'],
    ['Origin: https://app.example.evil'],
    ['Origin: https://x.example.org.evil'],
    ['Origin: https://'],
    ['Origin: ://'],
    [`Origin: https://${'a'.repeat(5000)}.example.org`],
    ['Origin: HTTPS://APP.EXAMPLE'],
  ])('answers a preflight from %s without crashing and without allowing a stranger', async (o) => {
    const res = await raw('/cors/echo', [o, 'Access-Control-Request-Method: DELETE\u00ff', `Access-Control-Request-Headers: ${Array.from({ length: 500 }, (_, i) => `x-h${i}`).join(',')}, ,,`], 'OPTIONS')
    expectNoCrash(res)
    expect(res.status).toBeLessThan(500)
    const allowed = header(res, 'access-control-allow-origin')?.toLowerCase()
    if (allowed !== undefined) expect(allowed === 'https://app.example' || /^https:\/\/[a-z0-9.-]+\.example\.org$/.test(allowed), allowed.slice(0, 60)).toBe(true)
    if (o.includes('evil') || o.includes('null') || o.endsWith('//')) expect(allowed).toBeUndefined()
  })
})

describe('a client sending hostile purges to the admin API', () => {
  const purge = (body: string, token = ADMIN_TOKEN) =>
    send(portico.at('/_portico/purge'), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body })

  it.each([
    ['not JSON', '{"urls": ['],
    ['a bare string', '"everything"'],
    ['a URL that is not one', '{"urls": ["http://[::1"]}'],
    ['a number for a URL', '{"urls": [5]}'],
    ['null prefixes', '{"prefixes": [null]}'],
    ['an unknown field', '{"everything": true, "also": 1}'],
    ['everything false', '{"everything": false}'],
    ['an empty tag', '{"tags": [""]}'],
  ])('answers a purge with %s with 400', async (_, body) => {
    const res = await purge(body)
    expectNoCrash(res)
    expect(res.status).toBe(400)
  })

  it('answers a purge with a bogus token with 401', async () => {
    for (const token of ['', 'x', `${ADMIN_TOKEN}x`, '\u00ff'.repeat(3)]) {
      const res = await purge('{"everything": true}', token)
      expectNoCrash(res)
      expect(res.status).toBe(401)
    }
  })

  it.each([
    ['a 2000-character tag', JSON.stringify({ tags: ['t'.repeat(2000)] })],
    ['a 2000-character URL', JSON.stringify({ urls: [`http://${HOST}/c/${'u'.repeat(2000)}`] })],
    ['a 2000-character prefix', JSON.stringify({ prefixes: [`http://${HOST}/${'p'.repeat(2000)}`] })],
    ['a URL with odd escapes', JSON.stringify({ urls: [`http://${HOST}/c/%zz?%%`] })],
    ['a non-http URL', JSON.stringify({ urls: ['javascript:alert(1)'] })],
  ])('answers a purge with %s with 200 or 400, never a crash', async (_, body) => {
    const res = await purge(body)
    expectNoCrash(res)
    expect([200, 400]).toContain(res.status)
  })
})
