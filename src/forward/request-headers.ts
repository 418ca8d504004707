// The headers an origin receives: the client's, less hop-by-hop ones, plus who the client was
// (X-Forwarded-*, RFC 7239 Forwarded), Via, the request id and trace context. Pure: the caller
// passes in what the platform knows (client address, protocol).
import type { HeaderOps } from '../config/index.ts'

/** RFC 9110 section 7.6.1, plus the obsolete ones clients still send (RFC 2616 section 13.5.1). */
export const HOP_BY_HOP_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]

const FORWARDING_HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'forwarded', 'x-real-ip']

/** Remove hop-by-hop headers and every header the Connection header names. */
export function stripHopByHop(headers: Headers, keepUpgrade = false): void {
  const connection = headers.get('connection')
  if (connection) {
    for (const token of connection.split(',')) {
      const name = token.trim().toLowerCase()
      if (name && !(keepUpgrade && name === 'upgrade')) headers.delete(name)
    }
  }
  for (const name of HOP_BY_HOP_HEADERS) {
    if (keepUpgrade && (name === 'upgrade' || name === 'connection')) continue
    headers.delete(name)
  }
}

export interface ClientFacts {
  /** The client's address as the platform saw it (CF-Connecting-IP). */
  ip: string | undefined
  /** "http" or "https", from the URL the client used. */
  proto: string
  /** The public host, with port if any, from the URL (never a conflicting Host header). */
  host: string
  /** "1.1", "2" or "3": the protocol version the client spoke, for Via. */
  protocolVersion: string
}

export interface ForwardingPolicy {
  trustIncoming: boolean
  via: string | false
}

/** Set X-Forwarded-For/-Proto/-Host and Forwarded: replaced unless the hop in front is trusted. */
export function setForwardingHeaders(headers: Headers, client: ClientFacts, policy: ForwardingPolicy): void {
  const prior = policy.trustIncoming
    ? { xff: headers.get('x-forwarded-for'), fwd: headers.get('forwarded'), proto: headers.get('x-forwarded-proto'), host: headers.get('x-forwarded-host') }
    : { xff: null, fwd: null, proto: null, host: null }
  for (const name of FORWARDING_HEADERS) headers.delete(name)

  if (client.ip) headers.set('x-forwarded-for', prior.xff ? `${prior.xff}, ${client.ip}` : client.ip)
  else if (prior.xff) headers.set('x-forwarded-for', prior.xff)
  headers.set('x-forwarded-proto', prior.proto ?? client.proto)
  headers.set('x-forwarded-host', prior.host ?? client.host)
  const element = forwardedElement(client)
  headers.set('forwarded', prior.fwd ? `${prior.fwd}, ${element}` : element)
}

/** One RFC 7239 forwarded-element: for=...;host=...;proto=... with quoting where the grammar needs it. */
export function forwardedElement(client: ClientFacts): string {
  const parts: string[] = []
  parts.push(`for=${client.ip ? forwardedNode(client.ip) : 'unknown'}`)
  parts.push(`host=${quoteIfNeeded(client.host)}`)
  parts.push(`proto=${client.proto}`)
  return parts.join(';')
}

function forwardedNode(ip: string): string {
  // RFC 7239 section 6: IPv6 addresses are bracketed, and then must be quoted (":" is not a token char).
  return ip.includes(':') ? `"[${ip}]"` : ip
}

function quoteIfNeeded(value: string): string {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`
}

/** Append this proxy to Via (RFC 9110 section 7.6.3). */
export function appendVia(headers: Headers, protocolVersion: string, pseudonym: string | false): void {
  if (pseudonym === false) return
  const entry = `${protocolVersion} ${pseudonym}`
  const prior = headers.get('via')
  headers.set('via', prior ? `${prior}, ${entry}` : entry)
}

/** True when a Via header already lists this proxy: the request has come round in a loop. */
export function isLoop(via: string | null, pseudonym: string | false): boolean {
  if (!via || pseudonym === false) return false
  return via.split(',').some((entry) => entry.trim().split(/\s+/)[1]?.toLowerCase() === pseudonym.toLowerCase())
}

/** "HTTP/2" (request.cf.httpProtocol) → "2", for Via's received-protocol. */
export function viaProtocol(httpProtocol: string | undefined): string {
  const m = /^HTTP\/(\d(?:\.\d)?)$/i.exec(httpProtocol ?? '')
  return m?.[1] ?? '1.1'
}

/**
 * Max-Forwards (RFC 9110 section 7.6.2) applies to TRACE and OPTIONS: 0 means this proxy answers,
 * otherwise it forwards the value less one. Returns true when the proxy must answer itself.
 */
export function takeMaxForwards(method: string, headers: Headers): boolean {
  if (method !== 'TRACE' && method !== 'OPTIONS') return false
  const raw = headers.get('max-forwards')
  if (raw === null) return false
  const n = /^\d+$/.test(raw.trim()) ? Number.parseInt(raw.trim(), 10) : Number.NaN
  if (Number.isNaN(n)) {
    headers.delete('max-forwards') // an invalid value is ignored rather than passed on
    return false
  }
  if (n === 0) return true
  headers.set('max-forwards', String(n - 1))
  return false
}

/** Apply a route's configured edits: removals first, then values set. */
export function applyHeaderOps(headers: Headers, ops: HeaderOps): void {
  for (const name of ops.remove) headers.delete(name)
  for (const [name, value] of ops.set) headers.set(name, value)
}
