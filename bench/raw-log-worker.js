// The raw pass-through Worker plus one JSON log line per request (console.log), as a request log
// writes: what the platform charges for logging, apart from anything Portico does.
/* global URL, fetch, console */
export default {
  async fetch(request, env) {
    const started = Date.now()
    const url = new URL(request.url)
    const target = new URL(url.pathname + url.search, env.UPSTREAM)
    const res = await fetch(target, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' })
    console.log(JSON.stringify({ level: 'info', message: 'request', time: new Date(started).toISOString(), method: request.method, host: url.host, path: url.pathname, status: res.status, durationMs: Date.now() - started }))
    return res
  },
}
