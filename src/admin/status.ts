// The status page's answers: the page itself (for a signed-in browser or a bearer token), the
// sign-in form for a browser without a session, and the session endpoint that turns the token
// into the session cookie (session.ts) and back. Nothing here shows data: the page's script reads
// it from the JSON API, which needs the same credentials.
import { concatBytes } from '../http/bytes.ts'
import { readUpTo } from '../http/read.ts'
import { sameSecret } from '../http/secret.ts'
import { endedSessionCookie, sessionCookie } from './session.ts'
import { pagePolicy, signInPage, statusPage } from './status-page.ts'

/** The largest sign-in form body read; a token is far shorter. */
const MAX_FORM_BYTES = 4096

function html(body: string, status: number, nonce: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'Content-Security-Policy': pagePolicy(nonce),
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      ...extra,
    },
  })
}

const newNonce = () => crypto.randomUUID().replace(/-/g, '')
const isHttps = (req: Request) => new URL(req.url).protocol === 'https:'

/** The page; a bearer-token request also gets the session cookie its script needs. */
export async function statusPageResponse(req: Request, token: string, prefix: string, viaBearer: boolean): Promise<Response> {
  const extra: Record<string, string> = viaBearer ? { 'Set-Cookie': await sessionCookie(token, Date.now(), prefix, isHttps(req)) } : {}
  const nonce = newNonce()
  return html(statusPage(nonce), 200, nonce, extra)
}

/** 401 with the sign-in form (for a browser) at the status page's address. */
export function signInResponse(message?: string): Response {
  const nonce = newNonce()
  return html(signInPage(nonce, message), 401, nonce, { 'WWW-Authenticate': 'Bearer realm="portico-admin"' })
}

/**
 * POST `${prefix}/session` with the form field token: right → the session cookie and 303 to the
 * page; wrong → the form again. DELETE: signs the browser out. Undefined for any other request.
 */
export async function sessionEndpoint(req: Request, token: string, prefix: string): Promise<Response | undefined> {
  if (new URL(req.url).pathname !== `${prefix}/session`) return undefined
  const secure = isHttps(req)
  if (req.method === 'DELETE') return new Response(null, { status: 204, headers: { 'Set-Cookie': endedSessionCookie(prefix, secure), 'Cache-Control': 'no-store' } })
  if (req.method !== 'POST') return undefined
  const presented = await formToken(req)
  if (presented === undefined || !(await sameSecret(presented, token))) return signInResponse('That is not the admin token.')
  return new Response(null, { status: 303, headers: { Location: `${prefix}/status`, 'Set-Cookie': await sessionCookie(token, Date.now(), prefix, secure), 'Cache-Control': 'no-store' } })
}

async function formToken(req: Request): Promise<string | undefined> {
  const type = req.headers.get('content-type') ?? ''
  if (!/^application\/x-www-form-urlencoded\b/i.test(type) || !req.body) return undefined
  // Read at most MAX_FORM_BYTES, whatever Content-Length says or does not say.
  const prefix = await readUpTo(req.body, MAX_FORM_BYTES)
  if (!prefix.ended) {
    await prefix.reader.cancel()
    return undefined
  }
  return new URLSearchParams(new TextDecoder().decode(concatBytes(prefix.chunks, prefix.size))).get('token') ?? undefined
}
