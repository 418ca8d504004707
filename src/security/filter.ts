// Request filtering rules: a pattern on the path, the query, headers or the first bytes of the
// body, blocking the request (403) or only logging it (for tuning a rule before it blocks).
// Patterns are a subset of RE2 syntax, run by linear-regex.ts: matching time is linear in the
// input whatever the pattern, so neither a rule nor a client's crafted input can make a request
// spin (a JavaScript RegExp backtracks: /(a+)+$/ on "aaaa…b" takes exponential time). There are
// no backreferences or lookaround, the price of that guarantee. Inputs are percent-decoded up to
// three times before matching, so an encoded or double-encoded probe is seen as the origin may
// decode it. Pure.
import { compileLinear } from './linear-regex.ts'
import { BUNDLED_RULES } from './rules.ts'

export type FilterTarget = { kind: 'path' } | { kind: 'query' } | { kind: 'body' } | { kind: 'headers' } | { kind: 'header'; name: string }
export type FilterMode = 'block' | 'log'

export interface FilterRule {
  id: string
  targets: readonly FilterTarget[]
  mode: FilterMode
  test(text: string): boolean
}

export interface FilterPolicy {
  rules: readonly FilterRule[]
  /** Bytes of the body the rules see; 0: the body is not read. */
  bodyPrefixBytes: number
}

export interface FilterInput {
  /** The normalised path (still percent-encoded where it was). */
  path: string
  /** The query without "?". */
  query: string
  headers: Headers
  /** The first bodyPrefixBytes of the body, as text; undefined when not read. */
  body?: string
}

export interface FilterHit {
  rule: string
  target: string
  mode: FilterMode
}

export const DEFAULT_TARGETS: readonly FilterTarget[] = [{ kind: 'path' }, { kind: 'query' }, { kind: 'body' }]

/** A pattern compiled for linear-time search, or why it cannot be. */
export function compilePattern(pattern: string, caseSensitive = false): { ok: true; test: (s: string) => boolean } | { ok: false; message: string } {
  try {
    const re = compileLinear(pattern, !caseSensitive)
    return { ok: true, test: (s) => re.test(s) }
  } catch (err) {
    return { ok: false, message: `is not a pattern Portico can run (RE2 syntax, linear time): ${(err as Error).message}` }
  }
}

/** "path", "query", "body", "headers" (every header) or "header:Name". */
export function parseTarget(text: string): FilterTarget | undefined {
  if (text === 'path' || text === 'query' || text === 'body' || text === 'headers') return { kind: text }
  const m = /^header:([!#$%&'*+\-.^_`|~0-9A-Za-z]+)$/.exec(text)
  return m ? { kind: 'header', name: (m[1] as string).toLowerCase() } : undefined
}

/** The bundled rules of these sets, compiled, with the given mode. */
export function bundledRules(sets: readonly string[], mode: FilterMode): FilterRule[] {
  return BUNDLED_RULES.filter((r) => sets.includes(r.set)).map((r) => {
    const compiled = compilePattern(r.pattern)
    if (!compiled.ok) throw new Error(`bundled rule ${r.id} ${compiled.message}`) // a bug: the unit tests compile every rule
    return { id: r.id, targets: DEFAULT_TARGETS, mode, test: compiled.test }
  })
}

/** Percent-decoding repeated until nothing changes (at most three rounds); "+" as space in queries. */
export function decodeForInspection(s: string, plusIsSpace: boolean): string {
  let out = plusIsSpace ? s.replace(/\+/g, ' ') : s
  for (let round = 0; round < 3 && out.includes('%'); round++) {
    const next = out.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run)
      } catch {
        return run.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
      }
    })
    if (next === out) break
    out = next
  }
  return out
}

/**
 * The first blocking rule that matches, and every log-only rule that matched before it (a rule
 * that blocks ends the inspection: what follows cannot change the answer).
 */
export function inspectRequest(input: FilterInput, policy: FilterPolicy): { block: FilterHit | undefined; logged: FilterHit[] } {
  const logged: FilterHit[] = []
  const texts = new Map<string, string | undefined>()
  const textOf = (t: FilterTarget): [string, string | undefined] => {
    const key = t.kind === 'header' ? `header:${t.name}` : t.kind
    if (!texts.has(key)) texts.set(key, extract(t, input))
    return [key, texts.get(key)]
  }
  for (const rule of policy.rules) {
    for (const target of rule.targets) {
      const [name, text] = textOf(target)
      if (text === undefined || text === '' || !rule.test(text)) continue
      const hit = { rule: rule.id, target: name, mode: rule.mode }
      if (rule.mode === 'block') return { block: hit, logged }
      logged.push(hit)
      break
    }
  }
  return { block: undefined, logged }
}

function extract(t: FilterTarget, input: FilterInput): string | undefined {
  switch (t.kind) {
    case 'path':
      return decodeForInspection(input.path, false)
    case 'query':
      return decodeForInspection(input.query, true)
    case 'body':
      return input.body === undefined ? undefined : decodeForInspection(input.body, true)
    case 'header': {
      const value = input.headers.get(t.name)
      return value === null ? undefined : decodeForInspection(value, false)
    }
    case 'headers': {
      const lines: string[] = []
      for (const [name, value] of input.headers) lines.push(`${name}: ${value}`)
      return decodeForInspection(lines.join('\n'), false)
    }
  }
}
