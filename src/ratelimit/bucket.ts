// Rate-limit algorithms as pure state transitions: token bucket, GCRA and sliding window. Each
// takes (or reserves) tokens at time `now` (ms) and says how many remain and when to come back.

export type Algorithm = 'token-bucket' | 'gcra' | 'sliding-window'

export interface Limit {
  algorithm: Algorithm
  /** Requests allowed per period. */
  limit: number
  periodMs: number
  /** Requests allowed at once after a quiet spell (token bucket capacity, GCRA burst). */
  burst: number
}

export type BucketState =
  | { kind: 'token-bucket'; tokens: number; at: number }
  | { kind: 'gcra'; tat: number }
  | { kind: 'sliding-window'; windowStart: number; current: number; previous: number }

export interface Verdict {
  /** Tokens granted (0 when refused). */
  granted: number
  /** Whole requests still allowed right now. */
  remaining: number
  /** Seconds until the limit is fully available again. */
  resetSeconds: number
  /** Seconds to wait before one more request would be allowed (0 when allowed). */
  retryAfterSeconds: number
}

export function initialState(l: Limit, now: number): BucketState {
  switch (l.algorithm) {
    case 'token-bucket':
      return { kind: 'token-bucket', tokens: l.burst, at: now }
    case 'gcra':
      return { kind: 'gcra', tat: now }
    case 'sliding-window':
      return { kind: 'sliding-window', windowStart: now, current: 0, previous: 0 }
  }
}

/**
 * Take up to `want` tokens; with `partial` false it is all or nothing. `want` may be 0 to read
 * the state. Returns the new state and the verdict.
 */
export function take(l: Limit, prior: BucketState | undefined, want: number, now: number, partial = false): [BucketState, Verdict] {
  const s = prior && prior.kind === l.algorithm ? prior : initialState(l, now)
  switch (s.kind) {
    case 'token-bucket':
      return takeTokenBucket(l, s, want, now, partial)
    case 'gcra':
      return takeGcra(l, s, want, now, partial)
    case 'sliding-window':
      return takeSlidingWindow(l, s, want, now, partial)
  }
}

/** Give back tokens reserved but not spent (a lease's remainder). */
export function giveBack(l: Limit, prior: BucketState | undefined, tokens: number, now: number): BucketState {
  if (!prior || tokens <= 0) return prior ?? initialState(l, now)
  switch (prior.kind) {
    case 'token-bucket': {
      const refilled = refill(l, prior, now)
      return { kind: 'token-bucket', tokens: Math.min(l.burst, refilled + tokens), at: now }
    }
    case 'gcra': {
      const interval = l.periodMs / l.limit
      return { kind: 'gcra', tat: Math.max(now, prior.tat - tokens * interval) }
    }
    case 'sliding-window': {
      const s = roll(l, prior, now)
      return { ...s, current: Math.max(0, s.current - tokens) }
    }
  }
}

function refill(l: Limit, s: { tokens: number; at: number }, now: number): number {
  const rate = l.limit / l.periodMs
  return Math.min(l.burst, s.tokens + Math.max(0, now - s.at) * rate)
}

function takeTokenBucket(l: Limit, s: { tokens: number; at: number }, want: number, now: number, partial: boolean): [BucketState, Verdict] {
  const rate = l.limit / l.periodMs
  const tokens = refill(l, s, now)
  const available = Math.floor(tokens + 1e-9)
  const granted = want <= available ? want : partial ? available : 0
  const left = tokens - granted
  const state: BucketState = { kind: 'token-bucket', tokens: left, at: now }
  const missing = granted < want || want === 0 ? Math.max(0, 1 - left) : 0
  return [
    state,
    {
      granted,
      remaining: Math.floor(left + 1e-9),
      resetSeconds: Math.ceil((l.burst - left) / rate / 1000),
      retryAfterSeconds: granted === want && want > 0 ? 0 : Math.ceil(missing / rate / 1000),
    },
  ]
}

/** GCRA (the generic cell rate algorithm): a theoretical arrival time moves one interval per request. */
function takeGcra(l: Limit, s: { tat: number }, want: number, now: number, partial: boolean): [BucketState, Verdict] {
  const interval = l.periodMs / l.limit
  const tolerance = interval * (l.burst - 1)
  const tat = Math.max(s.tat, now)
  // How many requests fit: each needs now >= tat_i - tolerance, where tat_i = tat + i*interval.
  const fit = Math.max(0, Math.floor((now + tolerance - tat) / interval + 1e-9) + 1)
  const granted = want <= fit ? want : partial ? fit : 0
  const newTat = tat + granted * interval
  const remaining = Math.max(0, Math.floor((now + tolerance - newTat) / interval + 1e-9) + 1)
  const retry = remaining > 0 ? 0 : newTat - tolerance - now
  return [
    { kind: 'gcra', tat: newTat },
    {
      granted,
      remaining,
      resetSeconds: Math.ceil(Math.max(0, newTat - now) / 1000),
      retryAfterSeconds: granted === want && want > 0 ? 0 : Math.ceil(Math.max(0, retry) / 1000),
    },
  ]
}

function roll(l: Limit, s: { windowStart: number; current: number; previous: number }, now: number): { kind: 'sliding-window'; windowStart: number; current: number; previous: number } {
  const elapsedWindows = Math.floor((now - s.windowStart) / l.periodMs)
  if (elapsedWindows <= 0) return { kind: 'sliding-window', ...s }
  return { kind: 'sliding-window', windowStart: s.windowStart + elapsedWindows * l.periodMs, current: 0, previous: elapsedWindows === 1 ? s.current : 0 }
}

/** Sliding window counter: the previous window's count weighted by how much of it still overlaps. */
function takeSlidingWindow(l: Limit, s: { windowStart: number; current: number; previous: number }, want: number, now: number, partial: boolean): [BucketState, Verdict] {
  const w = roll(l, s, now)
  const overlap = 1 - (now - w.windowStart) / l.periodMs
  const used = w.previous * overlap + w.current
  const fit = Math.max(0, Math.floor(l.limit - used + 1e-9))
  const granted = want <= fit ? want : partial ? fit : 0
  const state = { ...w, current: w.current + granted }
  const remaining = Math.max(0, fit - granted)
  return [
    state,
    {
      granted,
      remaining,
      resetSeconds: Math.ceil((w.windowStart + 2 * l.periodMs - now) / 1000),
      retryAfterSeconds: (granted === want && want > 0) || remaining > 0 ? 0 : Math.max(1, Math.ceil((slidingFreeAt(l, state) - now) / 1000 - 1e-9)),
    },
  ]
}

/** The first time t at which one more request fits: previous * (1 - (t - start) / period) + current <= limit - 1. */
function slidingFreeAt(l: Limit, s: { windowStart: number; current: number; previous: number }): number {
  const room = l.limit - 1 - s.current
  if (room >= 0) return s.previous > 0 ? s.windowStart + l.periodMs * (1 - room / s.previous) : s.windowStart
  // This window is full: in the next one it becomes the previous, weighing less as that goes on.
  return s.windowStart + l.periodMs * (2 - (l.limit - 1) / s.current)
}
