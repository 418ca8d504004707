// Clients for the end-to-end tests that see what fetch() hides: `send` uses node:http without
// decompression and with any Host header; `exchange` writes exact bytes on a raw socket and
// returns the exact bytes that came back, for headers Node's HTTP stack manages itself
// (Connection, Keep-Alive, Transfer-Encoding).
import http from 'node:http'
import net from 'node:net'
import type { Readable } from 'node:stream'

export interface SentResponse {
  status: number
  /** Header names lower case; a repeated header as its values joined, Set-Cookie as a list. */
  headers: http.IncomingHttpHeaders
  /** Name/value pairs exactly as received, repeats kept apart. */
  rawHeaders: Array<[string, string]>
  body: Buffer
  /** True when the body ended cleanly; false when the connection broke before its end. */
  complete: boolean
}

export interface SendInit {
  method?: string
  headers?: http.OutgoingHttpHeaders
  /** A buffer, or a stream (sent chunked, never held in memory whole). */
  body?: string | Buffer | Readable
}

/** One request on a fresh connection; the body is read whole, compressed or not. */
export function send(url: string, init: SendInit = {}): Promise<SentResponse> {
  return new Promise((resolve, reject) => {
    const body = init.body
    const headers = { ...init.headers }
    // Node frames neither a DELETE nor an OPTIONS body by itself: declare the length of a buffered one.
    const hasLength = Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')
    if ((typeof body === 'string' || Buffer.isBuffer(body)) && !hasLength) headers['content-length'] = Buffer.byteLength(body)
    const req = http.request(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      const settle = (complete: boolean) =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: pairs(res.rawHeaders),
          body: Buffer.concat(chunks),
          complete,
        })
      res.on('end', () => settle(res.complete))
      res.on('error', () => settle(false)) // "aborted": the body broke off
    })
    req.on('error', reject)
    if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) req.end(body)
    else body.pipe(req)
  })
}

function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = []
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] as string, raw[i + 1] as string])
  return out
}

export interface RawExchange {
  /** "HTTP/1.1 200 OK" */
  statusLine: string
  status: number
  /** Header lines in order, names as sent. */
  headers: Array<[string, string]>
  /** Everything after the blank line, undecoded (chunk framing included). */
  body: Buffer
  /** The body with chunked framing removed, as text. */
  text: string
}

/**
 * Write `head` (request line and header lines, without the final blank line) and `body` on a new
 * socket, read one response (framed by Content-Length or chunked encoding, else up to the close)
 * and close the socket.
 */
export function exchange(port: number, head: string[], body: Buffer | string = '', timeoutMs = 10_000): Promise<RawExchange> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let all = Buffer.alloc(0)
    let done = false
    const timer = setTimeout(() => finish(new Error(`no complete response within ${timeoutMs} ms`)), timeoutMs)
    const finish = (err?: Error) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const parsed = err ? undefined : parseResponse(all, true)
      if (parsed) resolve(parsed)
      else reject(err ?? new Error(`no complete response: ${JSON.stringify(all.toString('latin1').slice(0, 500))}`))
    }
    socket.on('connect', () => socket.write(Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body)])))
    // A response to HEAD ends with its header block, whatever its Content-Length says.
    const headOnly = head[0]?.startsWith('HEAD ') ?? false
    socket.on('data', (c: Buffer) => {
      all = Buffer.concat([all, c])
      if (parseResponse(all, headOnly)) finish()
    })
    socket.on('error', (err) => finish(err))
    socket.on('close', () => finish())
  })
}

/** The response in `bytes` once it is complete (or, when `closed`, whatever came before the close). */
function parseResponse(bytes: Buffer, closed: boolean): RawExchange | undefined {
  const end = bytes.indexOf('\r\n\r\n')
  if (end === -1) return undefined
  const [statusLine = '', ...lines] = bytes.subarray(0, end).toString('latin1').split('\r\n')
  const headers = lines.map((l): [string, string] => {
    const colon = l.indexOf(':')
    return [l.slice(0, colon), l.slice(colon + 1).trim()]
  })
  const status = Number(statusLine.split(' ')[1])
  const body = bytes.subarray(end + 4)
  const chunked = valuesOf(headers, 'transfer-encoding').some((v) => /chunked/i.test(v))
  const out = { statusLine, status, headers, body, text: (chunked ? dechunk(body) : body).toString('latin1') }
  if (closed || status === 101 || status === 204 || status === 304 || (status >= 100 && status < 200)) return out
  const length = valuesOf(headers, 'content-length')[0]
  if (length !== undefined) return body.length >= Number(length) ? out : undefined
  if (chunked) return body.includes('\r\n0\r\n\r\n') || body.subarray(0, 5).toString() === '0\r\n\r\n' ? out : undefined
  return undefined
}

/** The data of a chunked body (RFC 9112 section 7.1), as far as it goes; extensions and trailers ignored. */
function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at)
    if (lineEnd === -1) break
    const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16)
    if (!(size > 0)) break
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size))
    at = lineEnd + 2 + size + 2
  }
  return Buffer.concat(parts)
}

/** Every value of a header in a raw exchange, case-insensitively. */
export function valuesOf(headers: Array<[string, string]>, name: string): string[] {
  return headers.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v)
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
