// A hostile origin for the end-to-end tests: a raw TCP server on 127.0.0.1 that answers each
// request with exactly the bytes a script writes (statuses Node's http refuses to send, bodies on a
// 204, a Content-Length it never honours, headers and then silence, a reset mid-body). One request
// per connection; the script chosen by the request's path (query ignored). Every socket is destroyed
// on close(), so a script that stalls forever cannot keep the test process alive.
import net from 'node:net'

export interface RawRequest {
  method: string
  /** The request target as it arrived ("/path?query"). */
  target: string
  path: string
  /** Lower-case names. */
  headers: Array<[string, string]>
}

/** Writes a response (or nothing) on the socket; it may end, destroy or leave the socket open. */
export type Script = (socket: net.Socket, req: RawRequest) => void

export interface HostileOrigin {
  url: string
  port: number
  /** Requests received per path (query ignored). */
  hits(path: string): number
  requests: RawRequest[]
  close(): Promise<void>
}

/** A complete response: status line, headers (Connection: close added), body; then the socket ends. */
export function answer(status: string, headers: Array<[string, string]>, body: string | Buffer = ''): Script {
  return (socket) => {
    const head = [`HTTP/1.1 ${status}`, ...headers.map(([n, v]) => `${n}: ${v}`), 'Connection: close'].join('\r\n')
    socket.end(Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), Buffer.from(body)]))
  }
}

/** Writes these raw bytes, then ends (or, with `then: 'stall'`, keeps the socket open and silent; `'reset'`: RST). */
export function rawBytes(bytes: string | Buffer, then: 'end' | 'stall' | 'reset' = 'end'): Script {
  return (socket) => {
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, () => {
      if (then === 'end') socket.end()
      else if (then === 'reset') setTimeout(() => socket.resetAndDestroy(), 50)
    })
  }
}

export async function startHostileOrigin(scripts: Record<string, Script>): Promise<HostileOrigin> {
  const sockets = new Set<net.Socket>()
  const requests: RawRequest[] = []
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buffered = Buffer.alloc(0)
    let handled = false
    socket.on('data', (chunk: Buffer) => {
      if (handled) return // request bodies are not read: every script answers without them
      buffered = Buffer.concat([buffered, chunk])
      const end = buffered.indexOf('\r\n\r\n')
      if (end === -1) return
      handled = true
      const [line = '', ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n')
      const [method = '', target = ''] = line.split(' ')
      const path = target.split('?')[0] ?? ''
      const headers = lines.map((l): [string, string] => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])
      const req = { method, target, path, headers }
      requests.push(req)
      const script = scripts[path] ?? answer('404 Not Found', [['Content-Type', 'text/plain'], ['Content-Length', '10']], 'no script\n')
      script(socket, req)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    hits: (path) => requests.filter((r) => r.path === path).length,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
