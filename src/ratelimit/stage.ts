// The rate-limit gate: for each of the route's rules, the request's key, its counter object (or
// this isolate's lease of it in fast mode), and the verdict. Refusals answer 429 with Retry-After
// and RateLimit headers; a counter that cannot be reached in time fails open or closed as the rule
// says, and never holds the request longer than the rule's timeout. A request one rule refuses
// gives back the tokens earlier rules granted it, so it costs nothing against them (as nginx's
// limit_req accounts only requests that pass every zone).
import { sha256Hex } from '../http/digest.ts'
import { problem } from '../http/problem.ts'
import { noteRateDecision, type Journey } from '../observe/journey.ts'
import type { Verdict } from './bucket.ts'
import { rateLimitHeaders, type Quota } from './headers.ts'
import { rateKey } from './key.ts'
import { LeaseBook, type CounterStub } from './lease.ts'
import { RATE_LIMITER_BINDING, type RateRule } from './policy.ts'

export interface RateIo {
  env: Record<string, unknown>
  ctx: Pick<ExecutionContext, 'waitUntil'>
  clientIp: string | undefined
  path: string
  claims: Readonly<Record<string, unknown>> | undefined
  /** The request's journey record: the gate notes its decision there, for logs and metrics. */
  journey?: Journey
}

export interface RateOutcome {
  /** A response that ends the request (429, or 503 when failing closed). */
  stop?: Response
  /** RateLimit headers for the response, when a rule asks for them. */
  headers: Array<[string, string]>
}

const leases = new LeaseBook()

export async function checkRateLimits(req: Request, rules: readonly RateRule[] | undefined, io: RateIo): Promise<RateOutcome> {
  if (!rules || rules.length === 0) return { headers: [] }
  const shown: Quota[] = []
  /** Rules that granted this request a token: given back when a later rule refuses it. */
  const spent: Array<[RateRule, string]> = []
  const refusing = (stop: Response): RateOutcome => {
    for (const [rule, name] of spent) refund(rule, name, io)
    return { stop, headers: [] }
  }
  for (const rule of rules) {
    const key = rateKey(rule.key, { clientIp: io.clientIp, path: io.path, headers: req.headers, claims: io.claims }, rule.ipv6PrefixBits)
    if (key === undefined) continue
    const name = `rl:${rule.name}:${await digest(key)}`
    let verdict: Verdict
    try {
      verdict = await withTimeout(decide(rule, name, io), rule.timeoutMs)
    } catch (err) {
      log('warn', 'rate limiter unreachable', rule, { error: String(err), failOpen: rule.failOpen })
      noteRateDecision(io.journey, rule.failOpen ? 'failed-open' : 'failed-closed', rule.name)
      if (rule.failOpen) continue
      return refusing(problem(503, 'rate-limiter-unavailable', { detail: 'The rate limiter could not be reached.', accept: req.headers.get('accept'), headers: { 'Retry-After': '1' } }))
    }
    const quota: Quota = { policy: rule.name, limit: rule.limit.limit, windowSeconds: rule.limit.periodMs / 1000, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds }
    noteRateDecision(io.journey, verdict.granted > 0 ? 'allowed' : rule.reject ? 'rejected' : 'logged', rule.name)
    if (verdict.granted === 0) {
      log('info', rule.reject ? 'rate limited' : 'rate limit exceeded (log only)', rule, { retryAfterSeconds: verdict.retryAfterSeconds })
      if (rule.reject) {
        const headers = new Headers(rateLimitHeaders([quota]))
        headers.set('Retry-After', String(Math.max(1, verdict.retryAfterSeconds)))
        return refusing(problem(429, 'rate-limited', { title: 'Too Many Requests', detail: `Rate limit "${rule.name}" exceeded; retry after ${Math.max(1, verdict.retryAfterSeconds)} s.`, accept: req.headers.get('accept'), headers }))
      }
    } else spent.push([rule, name])
    if (rule.headers) shown.push(quota)
  }
  return { headers: rateLimitHeaders(shown) }
}

function decide(rule: RateRule, name: string, io: RateIo): Promise<Verdict> {
  const stub = () => counter(io.env, name)
  if (rule.mode === 'fast') return leases.take(name, rule.limit, stub, Date.now(), (p) => io.ctx.waitUntil(p.catch(() => {})))
  return stub().take(rule.limit, 1, false)
}

/** A token this request took but will not use: back to the lease (fast) or the counter (exact), off the request path. */
function refund(rule: RateRule, name: string, io: RateIo): void {
  const background = (p: Promise<unknown>) => io.ctx.waitUntil(p.catch(() => {}))
  if (rule.mode === 'fast') leases.refund(name, rule.limit, () => counter(io.env, name), Date.now(), background)
  else background(counter(io.env, name).giveBack(rule.limit, 1))
}

function counter(env: Record<string, unknown>, name: string): CounterStub {
  const ns = env[RATE_LIMITER_BINDING] as DurableObjectNamespace
  return ns.get(ns.idFromName(name)) as unknown as CounterStub
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer))
}

/** Keys may hold addresses or API keys: objects are named by a hash, never by the key itself. */
function digest(key: string): Promise<string> {
  return sha256Hex(key, 16)
}

function log(level: string, message: string, rule: RateRule, extra: Record<string, unknown>): void {
  console.log(JSON.stringify({ level, message, rule: rule.name, ...extra }))
}
