// A small origin server for `npm start` and the end-to-end tests: real sockets on loopback, with
// endpoints that show what the proxy does (echo of what arrived, slow and streaming bodies, SSE,
// redirects and cookies naming the origin, a gzip body, uploads, WebSocket echo, JWK Sets put by tests, a cacheable
// resource that answers conditional requests and counts what reaches it).
import { createHash } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { createRequire } from 'node:module'
import zlib, { gzipSync } from 'node:zlib'
import type { WebSocketServer as WebSocketServerType } from 'ws'

// Node's own resolution: a test runner set up for workerd would otherwise pick ws's browser stub.
const { WebSocketServer } = createRequire(import.meta.url)('ws') as { WebSocketServer: typeof WebSocketServerType }

export interface RunningOrigin {
  name: string
  port: number
  url: string
  /** Requests received so far, in order (method and path). */
  seen: Array<{ method: string; url: string }>
  close(): Promise<void>
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** What reached each /cached/... path: method and headers of every request, in order. */
type CachedLog = Map<string, Array<{ method: string; headers: http.IncomingHttpHeaders }>>
/** The pattern /bytes repeats; allocated once, so the benchmark measures the proxy, not this origin. */
const BYTES_BLOCK = Buffer.alloc(65536, 'portico-')
/** Paths of /hangup-once/... that have hung up once already. */
const HUNG_UP = new Set<string>()
/** JWK Sets put by tests (/jwks/<name>): body, Cache-Control, and how often each was fetched. */
const JWKS_STORE = new Map<string, { body: string; cacheControl: string; fetches: number }>()

export async function startOrigin(name: string, port = 0, host = '127.0.0.1'): Promise<RunningOrigin> {
  const seen: RunningOrigin['seen'] = []
  const cached: CachedLog = new Map()
  let self = ''
  const server = http.createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '' })
    handle(name, self, req, res, cached).catch((err: unknown) => {
      res.destroy(err instanceof Error ? err : new Error(String(err)))
    })
  })
  const wss = new WebSocketServer({ server, path: '/ws' })
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ origin: name, path: req.url, headers: req.headers }))
    socket.on('message', (data, isBinary) => socket.send(isBinary ? data : `echo:${data.toString()}`))
  })
  await new Promise<void>((resolve) => server.listen(port, host, resolve))
  const actual = (server.address() as AddressInfo).port
  self = `http://${host}:${actual}`
  return {
    name,
    port: actual,
    url: self,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate()
        wss.close()
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function handle(name: string, self: string, req: http.IncomingMessage, res: http.ServerResponse, cached: CachedLog): Promise<void> {
  const url = new URL(req.url ?? '/', self)
  const q = (k: string, d: number) => Number(url.searchParams.get(k) ?? d)
  // Headers a careless origin leaks; Portico hides them by default.
  res.setHeader('Server', `demo-origin/${name}`)
  res.setHeader('X-Powered-By', 'node')
  res.setHeader('X-Origin-Name', name)
  const path = url.pathname

  if (path === '/' || path === '/index.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><title>${name}</title><h1>Hello from origin ${name}</h1><p>You reached ${escape(req.url ?? '')} through the proxy.</p>\n`)
    return
  }
  if (path === '/echo' || path.startsWith('/echo/') || path.startsWith('/api/') || path === '/api') {
    const hash = createHash('sha256')
    let bytes = 0
    for await (const chunk of req) {
      hash.update(chunk as Buffer)
      bytes += (chunk as Buffer).length
    }
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ origin: name, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes: bytes, bodySha256: hash.digest('hex') }))
    return
  }
  if (path === '/slow') {
    await sleep(q('ms', 2000))
    res.writeHead(200, { 'Content-Type': 'text/plain' })
    res.end(`slow answer from ${name}\n`)
    return
  }
  if (path === '/drip') {
    // Headers at once, then one chunk per interval: shows the proxy streams rather than buffers.
    // ?sized=1 declares the Content-Length up front instead of sending chunked.
    const chunks = q('chunks', 5)
    const length = Array.from({ length: chunks }, (_, i) => `chunk ${i}\n`.length).reduce((a, b) => a + b, 'done\n'.length)
    res.writeHead(200, url.searchParams.get('sized') === '1' ? { 'Content-Type': 'text/plain', 'Content-Length': length } : { 'Content-Type': 'text/plain' })
    for (let i = 0; i < chunks; i++) {
      res.write(`chunk ${i}\n`)
      await sleep(q('interval', 500))
    }
    res.end('done\n')
    return
  }
  if (path === '/sse') {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' })
    const count = q('count', 5)
    for (let i = 0; i < count; i++) {
      res.write(`id: ${i}\ndata: tick ${i} from ${name}\n\n`)
      await sleep(q('interval', 500))
    }
    res.end()
    return
  }
  if (path === '/redirect') {
    res.writeHead(302, { Location: `${self}${url.searchParams.get('to') ?? '/echo'}`, 'Content-Location': `${self}/redirect` })
    res.end()
    return
  }
  if (path === '/relative-redirect') {
    res.writeHead(301, { Location: url.searchParams.get('to') ?? '/echo' })
    res.end()
    return
  }
  if (path === '/cookies') {
    res.writeHead(200, {
      'Set-Cookie': [`session=abc; Domain=${new URL(self).hostname}; Path=/; HttpOnly`, 'theme=dark; Path=/echo; SameSite=Lax', 'plain=1'],
      'Content-Type': 'text/plain',
    })
    res.end('cookies set\n')
    return
  }
  if (path === '/gzip') {
    const body = gzipSync(Buffer.from(`compressed by the origin ${name}\n`.repeat(50)))
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': body.length })
    res.end(body)
    return
  }
  if (path === '/encoded') {
    await answerEncoded(url, req, res)
    return
  }
  if (path === '/bytes' || path.endsWith('/bytes')) {
    // n bytes of a repeating pattern, streamed in 64 KiB writes with back-pressure. Served under any
    // prefix, so many upstreams of one pool can share an origin through distinct base paths.
    const total = q('n', 1024)
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': total })
    let sent = 0
    while (sent < total) {
      const n = Math.min(BYTES_BLOCK.length, total - sent)
      if (!res.write(BYTES_BLOCK.subarray(0, n))) await new Promise((r) => res.once('drain', r))
      sent += n
    }
    res.end()
    return
  }
  if (path === '/truncated') {
    // Promises more than it sends, then drops the connection: the proxy must not pass this off as whole.
    // ?chunked=1: no Content-Length, so only the missing last chunk shows the body is cut.
    const chunked = url.searchParams.get('chunked') === '1'
    res.writeHead(200, chunked ? { 'Content-Type': 'text/plain' } : { 'Content-Type': 'text/plain', 'Content-Length': 100000 })
    res.write('only the beginning')
    await sleep(50)
    res.destroy()
    return
  }
  if (path === '/hangup') {
    // Closes the connection without a word: an origin that crashed while handling the request.
    req.socket.destroy()
    return
  }
  if (path.startsWith('/hangup-once/')) {
    // The first request for a path closes the connection without a word (a keep-alive connection
    // the origin had just dropped); later ones are echoed, body size included.
    if (!HUNG_UP.has(path)) {
      HUNG_UP.add(path)
      req.socket.destroy()
      return
    }
    let bytes = 0
    for await (const chunk of req) bytes += (chunk as Buffer).length
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ origin: name, method: req.method, url: req.url, bodyBytes: bytes }))
    return
  }
  if (path === '/reply' || path.endsWith('/reply')) {
    // Answers with the status and headers the query names: ?status=302&h=Location: {origin}/x, where
    // h repeats (repeats of one name are sent as separate lines) and {origin} is this origin's URL.
    // Served under any prefix, so a route's prefix rewrite can be seen both ways.
    const raw: string[] = []
    for (const h of url.searchParams.getAll('h')) {
      const colon = h.indexOf(':')
      raw.push(h.slice(0, colon).trim(), h.slice(colon + 1).trim().replaceAll('{origin}', self))
    }
    res.writeHead(q('status', 200), raw)
    res.end(`reply from ${name} at ${path}\n`)
    return
  }
  if (path.startsWith('/cached/')) {
    await answerCached(name, self, url, req, res, cached)
    return
  }
  if (path === '/cached-hits') {
    // What reached /cached/<path> so far: { count, requests: [{ method, headers }] }.
    const requests = cached.get(url.searchParams.get('path') ?? '') ?? []
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    res.end(JSON.stringify({ count: requests.length, requests }))
    return
  }
  const jwks = /^\/jwks(-hits)?\/([\w-]+)$/.exec(path)
  if (jwks) {
    // PUT /jwks/<name>?cc=<Cache-Control> stores a JWK Set; GET serves it (404 until put);
    // GET /jwks-hits/<name> says how many times it was fetched: { fetches }.
    const name = jwks[2] as string
    if (req.method === 'PUT') {
      let body = ''
      for await (const chunk of req) body += (chunk as Buffer).toString()
      JWKS_STORE.set(name, { body, cacheControl: url.searchParams.get('cc') ?? 'max-age=300', fetches: JWKS_STORE.get(name)?.fetches ?? 0 })
      res.writeHead(204)
      res.end()
      return
    }
    const entry = JWKS_STORE.get(name)
    if (jwks[1]) {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ fetches: entry?.fetches ?? 0 }))
      return
    }
    if (!entry) {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('no such JWK Set\n')
      return
    }
    entry.fetches++
    res.writeHead(200, { 'Content-Type': 'application/jwk-set+json', 'Cache-Control': entry.cacheControl })
    res.end(entry.body)
    return
  }
  const status = /^\/status\/(\d{3})$/.exec(path)
  if (status) {
    res.writeHead(Number(status[1]), { 'Content-Type': 'text/plain' })
    res.end(`status ${status[1]} from ${name}\n`)
    return
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' })
  res.end(`origin ${name} has nothing at ${path}\n`)
}

/**
 * /cached/<anything>: a resource for cache tests, counting each request to its path (see
 * /cached-hits). The query says how it answers; in values, {n} is this request's number at the
 * path (1, 2, ...) and {origin} this origin's URL:
 *   status=200         status of a full response
 *   h=Name: value      a header on every response, 304s included (repeatable)
 *   full=Name: value   a header on full responses only; nm=Name: value on 304s only
 *   after=Name: value  a header on full responses from the second request on
 *   etag="v1"          sent as ETag; a matching If-None-Match (weak comparison) gets a 304
 *   lm=<HTTP-date>     sent as Last-Modified; without If-None-Match, If-Modified-Since at or after it gets a 304
 *   body=text          the body (default "<name> <path> #<n>"); its Content-Length is declared unless chunked=1
 *   failFrom=2         from this request on, answer failStatus (default 503) instead
 *   delayMs=500        wait this long before answering
 */
async function answerCached(name: string, self: string, url: URL, req: http.IncomingMessage, res: http.ServerResponse, cached: CachedLog): Promise<void> {
  const log = cached.get(url.pathname) ?? []
  cached.set(url.pathname, log)
  log.push({ method: req.method ?? '', headers: req.headers })
  const n = log.length
  const fill = (v: string) => v.replaceAll('{n}', String(n)).replaceAll('{origin}', self)
  const param = (k: string) => url.searchParams.get(k)
  const headers = (keys: string[]) =>
    keys.flatMap((k) =>
      url.searchParams.getAll(k).flatMap((h) => {
        const colon = h.indexOf(':')
        return [h.slice(0, colon).trim(), fill(h.slice(colon + 1).trim())]
      }),
    )
  const delay = Number(param('delayMs') ?? 0)
  if (delay > 0) await sleep(delay)
  for await (const chunk of req) void chunk // read any request body before answering
  const failFrom = param('failFrom')
  if (failFrom !== null && n >= Number(failFrom)) {
    res.writeHead(Number(param('failStatus') ?? 503), { 'Content-Type': 'text/plain' })
    res.end(`${name} fails request #${n}\n`)
    return
  }
  const etag = param('etag') === null ? undefined : fill(param('etag') as string)
  const lastModified = param('lm') ?? undefined
  const validators = [...(etag === undefined ? [] : ['ETag', etag]), ...(lastModified === undefined ? [] : ['Last-Modified', lastModified])]
  const inm = req.headers['if-none-match']
  const ims = req.headers['if-modified-since']
  const opaque = (t: string) => t.trim().replace(/^W\//, '')
  const unchanged =
    inm !== undefined
      ? etag !== undefined && (inm.trim() === '*' || inm.split(',').some((t) => opaque(t) === opaque(etag)))
      : ims !== undefined && lastModified !== undefined && Date.parse(ims) >= Date.parse(lastModified)
  if (unchanged && (req.method === 'GET' || req.method === 'HEAD')) {
    res.writeHead(304, [...validators, ...headers(['h', 'nm'])])
    res.end()
    return
  }
  const body = Buffer.from(fill(param('body') ?? `${name} ${url.pathname} #{n}\n`))
  const length = param('chunked') === '1' ? [] : ['Content-Length', String(body.length)]
  res.writeHead(Number(param('status') ?? 200), ['Content-Type', 'text/plain', ...length, ...validators, ...headers(n > 1 ? ['h', 'full', 'after'] : ['h', 'full'])])
  res.end(req.method === 'HEAD' ? undefined : body)
}

/**
 * /encoded: a body in the content coding the query names, for compression tests. The decoded body
 * is the same at every request (ask with coding=identity to get it):
 *   coding=zstd        gzip, x-gzip (gzip labelled so), br, deflate (zlib format), zstd or identity (default)
 *   n=16384            decoded length in bytes: numbered lines of text, or with zeros=1 that many
 *                      zero bytes (large n: a decompression bomb, a few KiB on the wire)
 *   type=text/plain    the Content-Type (default "text/plain; charset=utf-8")
 *   chunked=1          no Content-Length; h=Name: value adds a header (repeatable)
 * Encoded bodies are made once per query and kept, so a bomb costs its encoding only the first time
 * (brotli at quality 4: the default 11 takes seconds per MiB of zeros).
 */
async function answerEncoded(url: URL, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const coding = url.searchParams.get('coding') ?? 'identity'
  const n = Number(url.searchParams.get('n') ?? 16384)
  const zeros = url.searchParams.get('zeros') === '1'
  const body = coding === 'identity' ? undefined : await encodedBody(coding === 'x-gzip' ? 'gzip' : coding, n, zeros)
  const length = body ? body.length : n
  const headers = ['Content-Type', url.searchParams.get('type') ?? 'text/plain; charset=utf-8', ...(coding === 'identity' ? [] : ['Content-Encoding', coding])]
  if (url.searchParams.get('chunked') !== '1') headers.push('Content-Length', String(length))
  for (const h of url.searchParams.getAll('h')) {
    const colon = h.indexOf(':')
    headers.push(h.slice(0, colon).trim(), h.slice(colon + 1).trim())
  }
  res.writeHead(200, headers)
  if (req.method === 'HEAD') return void res.end()
  if (body) return void res.end(body)
  for (let at = 0; at < n; at += DECODED_BLOCK_BYTES) {
    if (!res.write(decodedBlock(at, Math.min(DECODED_BLOCK_BYTES, n - at), zeros))) await new Promise((r) => res.once('drain', r))
  }
  res.end()
}

const DECODED_BLOCK_BYTES = 1024 * 1024
const ZERO_BLOCK = Buffer.alloc(DECODED_BLOCK_BYTES)
const encodedBodies = new Map<string, Promise<Buffer>>()

/** Bytes [at, at + length) of the decoded /encoded body: zeros, or numbered lines of text. */
function decodedBlock(at: number, length: number, zeros: boolean): Buffer {
  if (zeros) return ZERO_BLOCK.subarray(0, length)
  const line = (i: number) => `line ${String(i).padStart(6, '0')}: portico compresses what pays and streams it as it goes\n`
  const width = line(0).length
  const first = Math.floor(at / width)
  const lines: string[] = []
  for (let i = first; (i - first) * width < length + width; i++) lines.push(line(i))
  return Buffer.from(lines.join('')).subarray(at - first * width, at - first * width + length)
}

function encodedBody(coding: string, n: number, zeros: boolean): Promise<Buffer> {
  const key = `${coding} ${n} ${zeros}`
  let made = encodedBodies.get(key)
  if (!made) {
    made = new Promise<Buffer>((resolve, reject) => {
      const z = coding === 'gzip' ? zlib.createGzip() : coding === 'deflate' ? zlib.createDeflate() : coding === 'br' ? zlib.createBrotliCompress({ params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) : coding === 'zstd' ? zlib.createZstdCompress() : undefined
      if (!z) return reject(new Error(`unknown coding ${coding}`))
      const out: Buffer[] = []
      z.on('data', (c: Buffer) => out.push(c))
      z.on('end', () => resolve(Buffer.concat(out)))
      z.on('error', reject)
      void (async () => {
        for (let at = 0; at < n; at += DECODED_BLOCK_BYTES) {
          const block = decodedBlock(at, Math.min(DECODED_BLOCK_BYTES, n - at), zeros)
          await new Promise<void>((r) => z.write(block, () => r()))
        }
        z.end()
      })()
    })
    encodedBodies.set(key, made)
  }
  return made
}

function escape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
