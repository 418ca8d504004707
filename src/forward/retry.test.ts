import { describe, expect, it } from 'vitest'
import type { RetryPolicy } from '../config/index.ts'
import { isIdempotent, isRetryable, retriesAllowed, RetryBudget, type AttemptResult } from './retry.ts'

const policy = (over: Partial<RetryPolicy> = {}): RetryPolicy => ({
  attempts: 2,
  onConnectFailure: true,
  onTimeout: true,
  statuses: new Set([502, 503, 504]),
  nonIdempotent: false,
  maxBodyBytes: 65_536,
  budgetPercent: 20,
  ...over,
})

/** A whole second, so buckets line up with the numbers in the tests. */
const T0 = 1_700_000_000_000

describe('isIdempotent (RFC 9110 section 9.2.2)', () => {
  it.each([
    ['GET', true],
    ['HEAD', true],
    ['OPTIONS', true],
    ['TRACE', true],
    ['PUT', true],
    ['DELETE', true],
    ['POST', false],
    ['PATCH', false],
    ['CONNECT', false],
    // Method names are case-sensitive (RFC 9110 section 9.1): "get" is not GET.
    ['get', false],
    ['PURGE', false],
  ])('%s → %s', (method, idempotent) => {
    expect(isIdempotent(method)).toBe(idempotent)
  })
})

describe('retriesAllowed', () => {
  it.each<[string, boolean, number, number]>([
    // method, nonIdempotent, attempts → retries
    ['GET', false, 2, 2],
    ['PUT', false, 3, 3],
    ['DELETE', false, 1, 1],
    ['POST', false, 2, 0],
    ['PATCH', false, 2, 0],
    ['POST', true, 2, 2],
    ['PATCH', true, 5, 5],
    ['GET', false, 0, 0],
    ['POST', true, 0, 0],
  ])('%s with nonIdempotent %s and attempts %i may be retried %i times', (method, nonIdempotent, attempts, retries) => {
    expect(retriesAllowed(method, policy({ nonIdempotent, attempts }))).toBe(retries)
  })
})

describe('isRetryable', () => {
  const connect: AttemptResult = { kind: 'connect-failure' }
  const timeout: AttemptResult = { kind: 'timeout' }
  const status = (s: number): AttemptResult => ({ kind: 'response', status: s })

  it.each<[string, AttemptResult, Partial<RetryPolicy>, boolean]>([
    ['a refused connection, by default', connect, {}, true],
    ['a timeout, by default', timeout, {}, true],
    ['a refused connection when only timeouts are retried', connect, { onConnectFailure: false }, false],
    ['a timeout when only connection failures are retried', timeout, { onTimeout: false }, false],
    ['a 502, by default', status(502), {}, true],
    ['a 503, by default', status(503), {}, true],
    ['a 504, by default', status(504), {}, true],
    ['a 500 (the application answered), by default', status(500), {}, false],
    ['a 404, by default', status(404), {}, false],
    ['a 200', status(200), {}, false],
    ['a 429 when the route lists it', status(429), { statuses: new Set([429]) }, true],
    ['a 503 when the route lists only 429', status(503), { statuses: new Set([429]) }, false],
  ])('%s → %s', (_what, result, over, retryable) => {
    expect(isRetryable(result, policy(over))).toBe(retryable)
  })
})

/** How many retries the budget grants in a row at `now`. */
function spend(budget: RetryBudget, now: number, max = 10_000): number {
  let n = 0
  while (n < max && budget.tryRetry(now)) n++
  return n
}

function requests(budget: RetryBudget, now: number, n: number): void {
  for (let i = 0; i < n; i++) budget.noteRequest(now)
}

describe('RetryBudget', () => {
  it('lets a quiet isolate retry 3 times a second over the 10 s window (30), then refuses', () => {
    const budget = new RetryBudget(20)
    requests(budget, T0, 10)
    expect(spend(budget, T0)).toBe(30)
    expect(budget.tryRetry(T0 + 500)).toBe(false)
  })

  it.each<[number, number, number]>([
    // budgetPercent, requests in the window, retries granted
    [20, 1_000, 200],
    [20, 100, 30], // 20 is below the floor
    [50, 1_000, 500],
    [100, 40, 40],
    [0, 1_000, 30],
  ])('at %i%% of %i requests grants %i retries', (percent, n, granted) => {
    const budget = new RetryBudget(percent)
    requests(budget, T0, n)
    expect(spend(budget, T0)).toBe(granted)
  })

  it('counts only the requests and retries of the last ten seconds, sliding a second at a time', () => {
    const budget = new RetryBudget(20)
    requests(budget, T0, 1_000)
    expect(spend(budget, T0)).toBe(200)
    // Five seconds on: 1,000 more requests lift the budget to 400, of which 200 are spent.
    requests(budget, T0 + 5_000, 1_000)
    expect(spend(budget, T0 + 5_000)).toBe(200)
    // Just before the first second leaves the window nothing has changed...
    expect(budget.tryRetry(T0 + 9_999)).toBe(false)
    // ...then its 1,000 requests and 200 retries drop out together: 200 of 200 spent.
    expect(budget.tryRetry(T0 + 10_000)).toBe(false)
    // Once the second batch is out too, only the floor is left, unspent.
    expect(spend(budget, T0 + 15_000)).toBe(30)
  })

  it('starts afresh after a long quiet spell', () => {
    const budget = new RetryBudget(20)
    requests(budget, T0, 10)
    spend(budget, T0)
    expect(budget.tryRetry(T0 + 1_000)).toBe(false)
    expect(spend(budget, T0 + 3_600_000)).toBe(30)
  })
})
