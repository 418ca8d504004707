// Forward one request to one upstream and turn its answer into the client's response. Bodies
// stream both ways (the request body and the origin's body are passed as streams, never read
// here), redirects are never followed, and failures become 502/504 problems that name no origin.
import type { CompiledConfig, PorticoEnv, RouteAction, Upstream } from '../config/index.ts'
import type { Journey } from '../observe/index.ts'
import { joinPath, rewritePath } from '../routing/index.ts'
import { problem } from '../http/problem.ts'
import { abortedByClient } from '../http/body-limit.ts'
import { pooledRandomBytes } from '../http/random.ts'
import { originSignature } from '../security/index.ts'
import { propagateTraceContext } from '../observe/index.ts'
import {
  appendVia,
  applyHeaderOps,
  setForwardingHeaders,
  stripHopByHop,
  type ClientFacts,
} from './request-headers.ts'
import { cleanResponseHeaders, rewriteLocations, rewriteSetCookies, type UrlMapping } from './response-headers.ts'

type ProxyAction = Extract<RouteAction, { kind: 'proxy' }>

export interface ForwardInput {
  req: Request
  url: URL
  action: ProxyAction
  params: Record<string, string>
  upstream: Upstream
  client: ClientFacts
  requestId: string
  config: CompiledConfig
  env: PorticoEnv
  /** The body for this attempt (a kept copy on retries); default: the request's own stream. */
  body?: BodyInit | null
  /** The request's journey record: its trace, and where attempts note their upstream and time. */
  journey?: Journey
}

export type ForwardOutcome =
  | { ok: true; response: Response }
  /** No response from the origin: `response` is the 502/504 for the client. */
  /** "client": the request's own signal aborted it (body past its limit, client gone): not the origin's fault. */
  | { ok: false; response: Response; reason: 'timeout' | 'unreachable' | 'client' }

export async function forwardRequest(input: ForwardInput): Promise<ForwardOutcome> {
  const { req, url, action, upstream, client, config } = input
  const isUpgrade = req.headers.get('upgrade')?.toLowerCase() === 'websocket'

  const headers = new Headers(req.headers)
  stripHopByHop(headers, isUpgrade)
  setForwardingHeaders(headers, client, config.forwarding)
  appendVia(headers, client.protocolVersion, config.forwarding.via)
  headers.set(config.requestId.header, input.requestId)
  propagateTraceContext(headers, pooledRandomBytes, input.journey?.traceparent)
  applyHeaderOps(headers, action.requestHeaders)

  const rewritten = rewritePath(action.rewrite, url.pathname, input.params)
  const path = action.pathPrefix ? joinPath(action.pathPrefix, rewritten) : rewritten
  const target = targetFor(upstream, path, url.search, action.host, client.host)

  const signing = action.originSignature
  if (signing) {
    const sent = new URL(target.url) // what the origin receives as its request target
    headers.set(signing.header, await originSignature(signing.secret, req.method, sent.pathname + sent.search, Date.now() / 1000))
  }

  // One controller for both timeouts. The first-byte timer is cleared once the headers arrive (an
  // abort after that would cut a service binding's body off); the total one is never cleared: once
  // the body is done, aborting is a no-op; before that it cuts the stream off (cutOffOnAbort), so a
  // client never takes a truncated body for a complete one. The request's signal joins only when
  // it can abort (a body counted against its size limit, or a client that goes away mid-upload):
  // AbortSignal.any costs about 80 us per request in workerd. (AbortSignal.timeout would save the
  // timer's 20 us, but it cannot be cleared: once it fires, reading the body fails in the Worker.)
  const controller = new AbortController()
  let timedOut = false
  const abortOnTimeout = (ms: number) =>
    setTimeout(() => {
      timedOut = true
      controller.abort(new Error('upstream timeout'))
    }, ms)
  const firstByteTimer = abortOnTimeout(action.timeouts.firstByteMs)
  const totalMs = action.timeouts.totalMs
  if (totalMs !== undefined) abortOnTimeout(totalMs)

  const init: RequestInit<RequestInitCfProperties> = {
    method: req.method,
    headers,
    body: input.body !== undefined ? input.body : req.method === 'GET' || req.method === 'HEAD' ? null : req.body,
    redirect: 'manual',
    signal: req.body !== null ? AbortSignal.any([controller.signal, req.signal]) : controller.signal,
  }
  if (target.resolveOverride) init.cf = { resolveOverride: target.resolveOverride }

  let res: Response
  try {
    // A service binding, or an mtls_certificates binding (its fetch presents the client certificate).
    const binding = upstream.kind === 'service' ? upstream.binding : upstream.mtlsBinding
    res = binding ? await (input.env[binding] as Fetcher).fetch(target.url, init) : await fetch(target.url, init)
  } catch (err) {
    if (req.signal.aborted && !timedOut) return { ok: false, response: abortedByClient(req.signal.reason, req.headers.get('accept')), reason: 'client' }
    const reason = timedOut ? 'timeout' : 'unreachable'
    console.error(JSON.stringify({ level: 'error', message: `upstream ${reason}`, requestId: input.requestId, upstream: upstream.id, error: String(err) }))
    const accept = req.headers.get('accept')
    const response =
      reason === 'timeout'
        ? problem(504, 'upstream-timeout', { detail: 'The origin did not answer in time.', accept })
        : problem(502, 'upstream-unreachable', { detail: 'The origin could not be reached or failed to answer.', accept })
    return { ok: false, response, reason }
  } finally {
    clearTimeout(firstByteTimer)
  }

  const upgraded = res.status === 101 && res.webSocket
  if (!upgraded && (res.status < 200 || res.status > 599)) {
    // A status no Response can carry (600 to 999, or 101 without a WebSocket): the origin broke
    // HTTP. The client gets a 502 as for any invalid answer, and retries and health see a 502.
    console.error(JSON.stringify({ level: 'error', message: 'upstream invalid response', requestId: input.requestId, upstream: upstream.id, error: `status ${res.status}` }))
    void res.body?.cancel().catch(() => {})
    res = problem(502, 'upstream-invalid-response', { detail: `The origin answered with status ${res.status}, which HTTP does not allow here.`, accept: req.headers.get('accept') })
  }
  // Passing the origin's body stream untouched lets the runtime forward an already-compressed
  // body byte for byte with its Content-Encoding (no decode and re-encode). Only a total timeout
  // needs the body in JS: the runtime does not cut a client's connection off when the fetch's
  // signal aborts (the end-to-end totalMs tests hang without cutOffOnAbort).
  const body = totalMs !== undefined && res.body && !upgraded ? cutOffOnAbort(res.body, controller.signal, res.headers) : res.body
  const response = upgraded
    ? new Response(null, { status: 101, webSocket: res.webSocket, headers: res.headers })
    : new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers })
  // The new response's headers are its own copy: edited in place rather than copied once more.
  const out = response.headers
  cleanResponseHeaders(out, config.forwarding.hiddenResponseHeaders, res.status === 101)
  if (upstream.kind === 'url') {
    const map: UrlMapping = {
      upstreamOrigin: upstream.origin,
      upstreamBasePath: upstream.basePath,
      upstreamHostname: upstream.hostname,
      publicOrigin: `${client.proto}://${client.host}`,
      publicHostname: url.hostname,
      rewrite: action.rewrite,
    }
    rewriteLocations(out, map)
    rewriteSetCookies(out, map)
  }
  appendVia(out, '1.1', config.forwarding.via)
  return { ok: true, response }
}

/**
 * `body`, errored if `signal` aborts before it is done, the origin's side cancelled. A known
 * length is kept (FixedLengthStream), so the client sees a cut body as short, not as whole;
 * only for an unencoded body, as the runtime writes an encoded one decoded into such a stream.
 */
function cutOffOnAbort(body: ReadableStream<Uint8Array>, signal: AbortSignal, headers: Headers): ReadableStream<Uint8Array> {
  const declared = headers.get('content-length')
  const encoded = (headers.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity'
  const length = declared !== null && /^\d+$/.test(declared) && !encoded ? Number(declared) : undefined
  const { readable, writable } = length === undefined ? new IdentityTransformStream() : new FixedLengthStream(length)
  body.pipeTo(writable, { signal }).catch(() => {}) // the abort reaches the client as a broken body
  return readable
}

interface Target {
  url: string
  resolveOverride?: string
}

/**
 * The URL to fetch. Host "origin" fetches the upstream URL as it is. "preserve" or a fixed host
 * puts that host in the URL (so it becomes the Host header) and connects to the upstream through
 * `cf.resolveOverride`; the platform honours that only for hosts in the Worker's zone, and an
 * upstream given as an IP address or localhost cannot be named that way, so it keeps its own Host.
 */
export function targetFor(upstream: Upstream, path: string, search: string, hostMode: string, publicHost: string): Target {
  const wanted = hostMode === 'origin' ? undefined : hostMode === 'preserve' ? publicHost.replace(/:\d+$/, '') : hostMode
  if (upstream.kind === 'service') {
    return { url: `https://${wanted ?? publicHost}${path}${search}` }
  }
  const url = `${upstream.origin}${joinPath(upstream.basePath, path)}${search}`
  if (wanted === undefined || !canResolveOverride(upstream.hostname)) return { url }
  const u = new URL(url)
  const [name, port] = splitHostPort(wanted)
  u.hostname = name
  if (port) u.port = port
  return { url: u.toString(), resolveOverride: upstream.hostname }
}

function canResolveOverride(hostname: string): boolean {
  return hostname !== 'localhost' && !/^[\d.]+$/.test(hostname) && !hostname.startsWith('[')
}

function splitHostPort(host: string): [string, string | undefined] {
  const m = /^(.*?)(?::(\d+))?$/.exec(host)
  return [m?.[1] ?? host, m?.[2]]
}
