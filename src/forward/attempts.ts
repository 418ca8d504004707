// Forwarding with retries and failover: choose an upstream (src/balance), forward, report the
// outcome to the pool's health, and try again on another upstream when the failure is retryable,
// the method allows it, the body was kept and the budget has room. A response is returned to the
// client only once it is final, so no retry ever follows a byte sent to the client.
import { chooseUpstream, healthStub, runtimeOf, stickySetCookie, type Choice } from '../balance/index.ts'
import type { CompiledPool, RouteAction } from '../config/index.ts'
import { problem } from '../http/problem.ts'
import { abortedByClient } from '../http/body-limit.ts'
import { prepareBody } from './body.ts'
import { isRetryable, retriesAllowed, RetryBudget, type AttemptResult } from './retry.ts'
import { forwardRequest, type ForwardInput, type ForwardOutcome } from './stage.ts'

type ProxyAction = Extract<RouteAction, { kind: 'proxy' }>

export interface AttemptsInput extends Omit<ForwardInput, 'upstream' | 'action' | 'body'> {
  action: ProxyAction
  ctx: Pick<ExecutionContext, 'waitUntil'>
}

/** Seconds to suggest in Retry-After when nothing says when an upstream comes back. */
const DEFAULT_RETRY_AFTER_S = 10

/** Per route (its compiled retry policy, shared by variants of the route), so each route's budgetPercent applies to its own requests. */
const budgets = new WeakMap<object, RetryBudget>()

export async function forwardWithRetries(input: AttemptsInput): Promise<Response> {
  const { req, action, ctx } = input
  const pool = action.pool
  const now = Date.now()
  let budget = budgets.get(action.retries)
  if (!budget) budgets.set(action.retries, (budget = new RetryBudget(action.retries.budgetPercent)))
  budget.noteRequest(now)

  const maxRetries = retriesAllowed(req.method, action.retries)
  // Keep the body where a retry could go (another upstream, a backup), and for a single origin
  // when its declared length is small enough to keep: the one retry after a dropped connection
  // can then resend it. Other uploads to a single origin stream at once rather than wait for
  // maxBodyBytes to arrive.
  const mayRetry = maxRetries > 0 && (pool.upstreams.length > 1 || pool.backup !== undefined || declaredWithin(req, action.retries.maxBodyBytes))
  // Reading a body to keep it fails when the body passes its size limit (the request's signal says so).
  const body = await prepareBody(req, mayRetry, action.retries.maxBodyBytes).catch((err: unknown) => {
    if (req.signal.aborted) return undefined
    throw err
  })
  if (!body) return abortedByClient(req.signal.reason, req.headers.get('accept'))
  const tried = new Set<string>()
  // The route's own pool always: while its backup serves, or nothing is tried (all down), its
  // health must still be refreshed, or this isolate would never see it come back.
  const touched = new Set<CompiledPool>([pool])
  let sameAgain = false
  const choose = () => chooseUpstream(pool, { req, url: input.url, clientIp: input.client.ip, tried, now: Date.now(), random: Math.random })

  try {
    let choice = await choose()
    if (!choice) return allDown(pool, input, Date.now())
    for (let attempt = 0; ; attempt++) {
      touched.add(choice.pool)
      tried.add(choice.upstream.key)
      const outcome = await attemptOnce(input, choice, body.next())
      if (!outcome.ok && outcome.reason === 'client') return outcome.response // nothing to retry, nobody to blame
      const result: AttemptResult = outcome.ok ? { kind: 'response', status: outcome.response.status } : outcome.reason === 'timeout' ? { kind: 'timeout' } : { kind: 'connect-failure' }

      // Retry only with somewhere left to go: otherwise this outcome is the answer, body intact.
      // One exception: a connection that failed before any response (often a pooled keep-alive
      // connection the origin had just closed) is tried once more on the same upstream.
      const retryable = attempt < maxRetries && isRetryable(result, action.retries) && body.replayable
      let next = retryable ? await choose() : undefined
      if (!next && retryable && result.kind === 'connect-failure' && !sameAgain) {
        sameAgain = true
        next = choice
      }
      if (!next || !budget.tryRetry(Date.now())) return outcome.ok ? await withSticky(outcome.response, choice, input) : finalFailure(outcome, choice, input)
      if (outcome.ok) await outcome.response.body?.cancel() // a retried response is dropped unread
      choice = next
    }
  } finally {
    for (const p of touched) {
      const work = runtimeOf(p).tracker?.maintain(() => healthStub(input.env, p), Date.now())
      if (work) ctx.waitUntil(work)
    }
  }
}

function declaredWithin(req: Request, maxBytes: number): boolean {
  const declared = req.headers.get('content-length')
  return declared !== null && /^\d+$/.test(declared) && Number(declared) <= maxBytes
}

async function attemptOnce(input: AttemptsInput, choice: Choice, body: BodyInit | null): Promise<ForwardOutcome> {
  const { tracker } = runtimeOf(choice.pool)
  const key = choice.upstream.key
  tracker?.inFlight.set(key, (tracker.inFlight.get(key) ?? 0) + 1)
  const started = Date.now()
  const journey = input.journey
  if (journey) {
    journey.attempts += 1
    journey.pool = choice.pool.name
    journey.upstream = key
  }
  try {
    const outcome = await forwardRequest({ ...input, upstream: choice.upstream, body })
    const latencyMs = Date.now() - started
    if (journey) journey.upstreamMs = (journey.upstreamMs ?? 0) + latencyMs
    if (tracker) {
      if (!outcome.ok && outcome.reason === 'client') {
        // The client's doing (a body past its limit): the upstream's health is not touched.
      } else if (!outcome.ok) tracker.record(key, false, undefined, Date.now(), outcome.reason)
      else if (choice.pool.failureStatuses.has(outcome.response.status)) tracker.record(key, false, latencyMs, Date.now(), `status ${outcome.response.status}`)
      else tracker.record(key, true, latencyMs, Date.now())
    }
    return outcome
  } finally {
    tracker?.inFlight.set(key, (tracker.inFlight.get(key) ?? 1) - 1)
  }
}

/** No response came back. When the pool had nothing available (panic), say so with 503. */
function finalFailure(outcome: ForwardOutcome, choice: Choice, input: AttemptsInput): Response {
  return choice.panic ? allDown(choice.pool, input, Date.now()) : outcome.response
}

function allDown(pool: CompiledPool, input: AttemptsInput, now: number): Response {
  const back = runtimeOf(pool).tracker?.nextRecoveryAt(now)
  const seconds = back === undefined ? DEFAULT_RETRY_AFTER_S : Math.max(1, Math.ceil((back - now) / 1000))
  return problem(503, 'no-healthy-upstream', {
    detail: 'No origin of this route is available right now.',
    accept: input.req.headers.get('accept'),
    headers: { 'Retry-After': String(seconds) },
  })
}

/** A new sticky assignment is remembered in a signed cookie on the response. */
async function withSticky(res: Response, choice: Choice, input: AttemptsInput): Promise<Response> {
  const sticky = choice.pool.sticky
  if (!sticky || choice.stuck || res.status === 101) return res
  res.headers.append('set-cookie', await stickySetCookie(choice.pool.name, choice.upstream.key, sticky, Date.now(), input.url.protocol === 'https:'))
  return res
}
