// The assignment cookie of an experiment, "portico_ab_<experiment>": the visitor id and the
// variant, signed (src/http/hmac.ts) so a client cannot choose its variant by editing it.
import { cookieValue } from '../http/cookie.ts'
import { sign, verify } from '../http/hmac.ts'

export interface Remembered {
  visitor: string
  variant: string
}

const signed = (experiment: string, visitor: string, variant: string) => `ab\n${experiment}\n${visitor}\n${variant}`

export function cookieName(experiment: string): string {
  return `portico_ab_${experiment}`
}

export async function readAssignment(header: string | null, experiment: string, secret: string): Promise<Remembered | undefined> {
  const raw = cookieValue(header, cookieName(experiment))
  const m = raw && /^([A-Za-z0-9_-]{8,64})\.([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{22})$/.exec(raw)
  if (!m) return undefined
  const [, visitor, variant, sig] = m as unknown as [string, string, string, string]
  return (await verify(secret, signed(experiment, visitor, variant), sig)) ? { visitor, variant } : undefined
}

export async function assignmentCookie(experiment: string, r: Remembered, secret: string, ttlSeconds: number, secure: boolean): Promise<string> {
  const sig = await sign(secret, signed(experiment, r.visitor, r.variant))
  return `${cookieName(experiment)}=${r.visitor}.${r.variant}.${sig}; Path=/; Max-Age=${ttlSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`
}

/** A new visitor id: a random UUID (122 random bits) as 32 hex digits. */
export function newVisitorId(): string {
  return crypto.randomUUID().replace(/-/g, '')
}
