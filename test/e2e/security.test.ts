// Edge security over real sockets: request targets written byte for byte (not normalised by any
// client library) cannot reach /admin as /%61dmin, //admin, /public/../admin or through encoded
// slashes; the origin verifies the signature Portico adds, as the README shows, and refuses direct
// or replayed traffic; a streamed upload past its limit is cut off with 413 and the origin never
// takes it for a complete body.
import { createHmac, timingSafeEqual } from 'node:crypto'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exchange, send } from './client.ts'
import { config, echoOf, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const API_KEY = 'e2e-admin-key-0123456789'
const SIGNING_KEY = 'e2e-origin-signing-secret'
const HOST = 'www.example.test'

let origin: RunningOrigin
let portico: RunningPortico
let uploads: http.Server
let uploadUrl = ''
/** What the upload origin saw of each request: whether its body arrived whole. */
const uploadsSeen: Array<{ path: string; bytes: number; complete: boolean }> = []

beforeAll(async () => {
  origin = await startOrigin('security')
  uploads = http.createServer((req, res) => {
    const entry = { path: req.url ?? '', bytes: 0, complete: false }
    uploadsSeen.push(entry)
    req.on('data', (c: Buffer) => (entry.bytes += c.length))
    req.on('end', () => {
      entry.complete = true
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end(`got ${entry.bytes}\n`)
    })
    req.on('error', () => {})
  })
  await new Promise<void>((resolve) => uploads.listen(0, '127.0.0.1', resolve))
  uploadUrl = `http://127.0.0.1:${(uploads.address() as AddressInfo).port}`
  portico = await startPortico({
    ...config({
      routes: [
        { name: 'admin', match: { path: '/admin' }, upstream: `${origin.url}/echo`, access: { apiKeys: { keys: { ops: { secret: 'ADMIN_API_KEY' } } } } },
        { name: 'signed', match: { path: '/signed' }, upstream: `${origin.url}/echo`, shield: { httpsRedirect: false, originSignature: { secret: { secret: 'ORIGIN_SIGNING_KEY' } } } },
        { name: 'upload', match: { path: '/upload' }, upstream: uploadUrl, limits: { maxBodyBytes: 65_536 } },
        { name: 'public', upstream: `${origin.url}/echo` },
      ],
    }),
    ADMIN_API_KEY: API_KEY,
    ORIGIN_SIGNING_KEY: SIGNING_KEY,
  })
})
afterAll(async () => {
  await portico?.close()
  await origin?.close()
  uploads?.closeAllConnections()
  await new Promise<void>((resolve) => (uploads ? uploads.close(() => resolve()) : resolve()))
})

/** One GET with this exact request target on a raw socket. */
const rawGet = (target: string, extra: string[] = []) => exchange(portico.port, [`GET ${target} HTTP/1.1`, `Host: ${HOST}`, 'Connection: close', ...extra])

describe('path normalisation over the wire: /admin needs the key however it is spelt', () => {
  it.each(['/admin', '/%61dmin', '/%61%64%6D%69%6E', '/%41dmin/../admin', '//admin', '///admin/x', '/public/../admin', '/public/./../admin', '/public/%2e%2e/admin', '/public/%2E%2e/admin', '/./admin'])(
    'answers 401 to %s without the key',
    async (target) => {
      const res = await rawGet(target)
      expect(res.status).toBe(401)
      expect(JSON.parse(res.text).type).toBe('urn:portico:unauthorized')
    },
  )

  it.each(['/admin%2f..', '/admin%2F..%2Fx', '/public%2f..%2fadmin', '/public%5c..%5cadmin', '/%252e%252e/admin', '/public/%252e%252e/admin', '/%c0%ae%c0%ae/admin', '/public/..;/admin', '/admin%00'])('refuses %s as malformed (400)', async (target) => {
    const res = await rawGet(target)
    expect(res.status).toBe(400)
    expect(JSON.parse(res.text).type).toBe('urn:portico:path-invalid')
  })

  it('forwards the normalised path with the key, and the public route sees its own paths normalised', async () => {
    const admin = await rawGet('//%61dmin/./users/../x', [`X-Api-Key: ${API_KEY}`])
    expect(admin.status).toBe(200)
    expect(echoOf(admin.text).url).toBe('/echo/admin/x')
    expect(echoOf(admin.text).headers['x-api-key']).toBeUndefined()
    const pub = await rawGet('/docs//a/%7Euser/./b?q=%2F')
    expect(echoOf(pub.text).url).toBe('/echo/docs/a/~user/b?q=%2F')
  })

  it('keeps /ADMIN apart: paths are case-sensitive, as the README says', async () => {
    const res = await rawGet('/ADMIN')
    expect(res.status).toBe(200)
    expect(echoOf(res.text).url).toBe('/echo/ADMIN')
  })
})

/** The check an origin runs (README "Origin verification"): Node, no dependencies. */
function cameThroughPortico(req: { method: string; url: string; headers: Record<string, string | undefined> }, secret: string, nowSeconds: number, maxAgeSeconds = 300): boolean {
  const m = /^t=(\d+);v1=([0-9a-f]{64})$/.exec(req.headers['portico-signature'] ?? '')
  if (!m) return false
  const t = Number(m[1])
  if (Math.abs(nowSeconds - t) > maxAgeSeconds) return false
  const expected = createHmac('sha256', secret).update(`${t}\n${req.method}\n${req.url}`).digest()
  return timingSafeEqual(expected, Buffer.from(m[2] as string, 'hex'))
}

describe('origin signature', () => {
  it('lets the origin verify a request came through Portico, and refuse direct, forged and replayed ones', async () => {
    const through = await send(portico.at('/signed/orders?id=7'), { method: 'POST', body: 'x', headers: { host: HOST, 'portico-signature': 't=1;v1=' + '0'.repeat(64) } })
    const seen = echoOf(through.body)
    const now = Date.now() / 1000
    expect(seen.url).toBe('/echo/signed/orders?id=7')
    expect(cameThroughPortico(seen, SIGNING_KEY, now)).toBe(true)

    const direct = echoOf((await send(`${origin.url}/echo/signed/orders?id=7`, { method: 'POST', body: 'x' })).body)
    expect(cameThroughPortico(direct, SIGNING_KEY, now)).toBe(false)
    expect(cameThroughPortico({ ...seen, url: '/echo/signed/orders?id=8' }, SIGNING_KEY, now)).toBe(false)
    expect(cameThroughPortico({ ...seen, method: 'DELETE' }, SIGNING_KEY, now)).toBe(false)
    expect(cameThroughPortico(seen, 'another-secret', now)).toBe(false)
    expect(cameThroughPortico(seen, SIGNING_KEY, now + 301)).toBe(false)
  })
})

describe('body size over the wire', () => {
  const chunked = (bytes: number) => Readable.from((function* () {
    for (let sent = 0; sent < bytes; sent += 16_384) yield Buffer.alloc(Math.min(16_384, bytes - sent), 'u')
  })())

  it('passes a streamed upload within the limit whole', async () => {
    const res = await send(portico.at('/upload/small'), { method: 'POST', body: chunked(65_536), headers: { host: HOST } })
    expect(res.status).toBe(200)
    expect(res.body.toString()).toBe('got 65536\n')
  })

  it('cuts off a streamed upload past the limit with 413, and the origin never sees it complete', async () => {
    const res = await send(portico.at('/upload/big'), { method: 'POST', body: chunked(1024 * 1024), headers: { host: HOST } })
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body.toString()).type).toBe('urn:portico:content-too-large')
    await new Promise((r) => setTimeout(r, 200))
    expect(uploadsSeen.filter((u) => u.path === '/upload/big' && u.complete)).toEqual([])
  })

  it('answers 413 at once to a declared Content-Length past the limit, without contacting the origin', async () => {
    const before = uploadsSeen.length
    const res = await exchange(portico.port, ['POST /upload/declared HTTP/1.1', `Host: ${HOST}`, 'Content-Length: 100000', 'Connection: close'], Buffer.alloc(100_000, 'd'))
    expect(res.status).toBe(413)
    expect(uploadsSeen.length).toBe(before)
  })
})
