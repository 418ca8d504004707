// The raw pass-through Worker plus the minimum an RFC 9110 gateway does on every request, written
// plainly with no configuration, routing, health, cache or policy: drop hop-by-hop headers both ways,
// tell the origin who the client was (X-Forwarded-*, Forwarded), add Via both ways (the client's
// protocol from request.cf), a request id both ways, and one JSON log line. What the platform charges
// for a proxy's duties, apart from how Portico does them.
/* global URL, fetch, console, crypto, Headers, Response */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade']
const FORWARDING = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip']

function strip(headers) {
  const connection = headers.get('connection')
  if (connection) for (const token of connection.split(',')) if (token.trim()) headers.delete(token.trim())
  for (const name of HOP_BY_HOP) headers.delete(name)
}

export default {
  async fetch(request, env) {
    const started = Date.now()
    const url = new URL(request.url)
    const target = new URL(url.pathname + url.search, env.UPSTREAM)
    const id = crypto.randomUUID()
    const headers = new Headers(request.headers)
    strip(headers)
    for (const name of FORWARDING) headers.delete(name)
    const ip = request.headers.get('cf-connecting-ip')
    const proto = url.protocol.slice(0, -1)
    if (ip) headers.set('x-forwarded-for', ip)
    headers.set('x-forwarded-proto', proto)
    headers.set('x-forwarded-host', url.host)
    headers.set('forwarded', `for=${ip ?? 'unknown'};host=${url.host};proto=${proto}`)
    const version = /^HTTP\/(\d(?:\.\d)?)$/.exec(request.cf?.httpProtocol ?? '')?.[1] ?? '1.1'
    const via = request.headers.get('via')
    headers.set('via', via ? `${via}, ${version} proxy` : `${version} proxy`)
    headers.set('x-request-id', id)
    const origin = await fetch(target, { method: request.method, headers, body: request.body, redirect: 'manual' })
    const res = new Response(origin.body, origin)
    strip(res.headers)
    const back = res.headers.get('via')
    res.headers.set('via', back ? `${back}, 1.1 proxy` : '1.1 proxy')
    res.headers.set('x-request-id', id)
    console.log(JSON.stringify({ level: 'info', message: 'request', time: new Date(started).toISOString(), requestId: id, method: request.method, host: url.host, path: url.pathname, status: res.status, durationMs: Date.now() - started }))
    return res
  },
}
