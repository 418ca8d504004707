// Regular expressions that run in time linear in the input whatever the pattern, for filtering
// rules (a client's input must not be able to make a request spin, and neither must a careless
// rule). A JavaScript RegExp backtracks: /^(a+)+$/ on "aaaa…b" takes exponential time. This is a
// Thompson NFA run as a set of states (Pike VM, no captures): the work per input character is
// bounded by the program size, so a match costs O(input × pattern). Hand-written, not re2js (the
// JavaScript port of RE2): that library adds 63 KiB gzip to the Worker, a third of the bundle
// budget, for features a yes/no search does not need.
//
// Syntax, a subset of RE2's (so rules can be tried in any RE2 tool): literals; "."; classes
// "[a-z]", "[^…]"; escapes \d \w \s \D \W \S \b \B \A \z \. \\ \n \r \t \f \v \xHH; anchors ^ $
// (start and end of the text); groups "(…)", "(?:…)", "(?P<name>…)", "(?<name>…)"; alternation
// "|"; quantifiers * + ? {n} {n,} {n,m} (lazy forms accepted: the same for yes/no); a leading
// "(?i)". Refused, because no linear-time engine can run them: backreferences and lookaround.
// Case-insensitive matching folds ASCII letters. Pure.

type Node =
  | { k: 'char'; test: (c: number) => boolean }
  | { k: 'assert'; what: 'start' | 'end' | 'word' | 'nonword' }
  | { k: 'cat'; items: Node[] }
  | { k: 'alt'; items: Node[] }
  | { k: 'repeat'; item: Node; min: number; max: number }

type Inst = { op: 'char'; test: (c: number) => boolean } | { op: 'split'; a: number; b: number } | { op: 'jmp'; to: number } | { op: 'assert'; what: 'start' | 'end' | 'word' | 'nonword' } | { op: 'match' }

/** RE2's own limit on counted repetition, and a bound on program size (the per-character cost). */
const MAX_REPEAT = 1000
const MAX_PROGRAM = 20_000

export class PatternError extends Error {}

export interface LinearRegex {
  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean
}

export function compileLinear(pattern: string, caseInsensitive = false): LinearRegex {
  let source = pattern
  let ci = caseInsensitive
  if (source.startsWith('(?i)')) {
    ci = true
    source = source.slice(4)
  }
  const ast = new Parser(source, ci).parse()
  const prog: Inst[] = []
  emit(ast, prog)
  prog.push({ op: 'match' })
  return { test: (text) => run(prog, text) }
}

const isWordChar = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
const DIGIT: Array<[number, number]> = [[48, 57]]
const WORD: Array<[number, number]> = [[48, 57], [65, 90], [97, 122], [95, 95]]
const SPACE: Array<[number, number]> = [[9, 10], [12, 13], [32, 32]]

function inRanges(ranges: ReadonlyArray<readonly [number, number]>, c: number): boolean {
  for (const [lo, hi] of ranges) if (c >= lo && c <= hi) return true
  return false
}

/** The other case of an ASCII letter, or the character itself. */
function otherCase(c: number): number {
  if (c >= 65 && c <= 90) return c + 32
  if (c >= 97 && c <= 122) return c - 32
  return c
}

class Parser {
  #at = 0
  readonly #s: string
  readonly #ci: boolean

  constructor(s: string, ci: boolean) {
    this.#s = s
    this.#ci = ci
  }

  parse(): Node {
    const node = this.#alternation()
    if (this.#at < this.#s.length) throw new PatternError(`unexpected ")" at ${this.#at}`)
    return node
  }

  #peek(): string | undefined {
    return this.#s[this.#at]
  }

  #alternation(): Node {
    const items = [this.#concat()]
    while (this.#peek() === '|') {
      this.#at++
      items.push(this.#concat())
    }
    return items.length === 1 ? (items[0] as Node) : { k: 'alt', items }
  }

  #concat(): Node {
    const items: Node[] = []
    for (let c = this.#peek(); c !== undefined && c !== '|' && c !== ')'; c = this.#peek()) items.push(this.#repeat(this.#atom()))
    return { k: 'cat', items }
  }

  #repeat(item: Node): Node {
    const c = this.#peek()
    let min: number
    let max: number
    if (c === '*' || c === '+' || c === '?') {
      this.#at++
      ;[min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1]
    } else if (c === '{' && /^\{\d+(,\d*)?\}/.test(this.#s.slice(this.#at))) {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#s.slice(this.#at)) as RegExpExecArray
      this.#at += m[0].length
      min = Number(m[1])
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3])
      if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) throw new PatternError(`bad repetition ${m[0]} (counts up to ${MAX_REPEAT}, min ≤ max)`)
    } else {
      return item
    }
    if (item.k === 'assert') throw new PatternError('nothing to repeat')
    if (this.#peek() === '?') this.#at++ // lazy: the same for a yes/no answer
    const next = this.#peek()
    if (next === '*' || next === '+' || next === '?' || (next === '{' && /^\{\d/.test(this.#s.slice(this.#at)))) throw new PatternError('bad repetition operator (a quantifier cannot follow another)')
    return { k: 'repeat', item, min, max }
  }

  #atom(): Node {
    const c = this.#s[this.#at++] as string
    switch (c) {
      case '(':
        return this.#group()
      case '[':
        return this.#class()
      case '.':
        return { k: 'char', test: (x) => x !== 10 }
      case '^':
        return { k: 'assert', what: 'start' }
      case '$':
        return { k: 'assert', what: 'end' }
      case '\\':
        return this.#escape()
      case '*':
      case '+':
      case '?':
        throw new PatternError(`missing argument to repetition operator "${c}"`)
      default:
        return this.#literal(c.charCodeAt(0))
    }
  }

  #literal(code: number): Node {
    if (!this.#ci || otherCase(code) === code) return { k: 'char', test: (x) => x === code }
    const other = otherCase(code)
    return { k: 'char', test: (x) => x === code || x === other }
  }

  #group(): Node {
    const rest = this.#s.slice(this.#at)
    if (/^\?(=|!|<=|<!)/.test(rest)) throw new PatternError('lookaround is not supported (it cannot run in linear time)')
    const named = /^\?P?<[A-Za-z_][A-Za-z0-9_]*>/.exec(rest)
    if (named) this.#at += named[0].length
    else if (rest.startsWith('?:')) this.#at += 2
    else if (rest.startsWith('?')) throw new PatternError('only (?:…), named groups and a leading (?i) are supported')
    const inner = this.#alternation()
    if (this.#s[this.#at++] !== ')') throw new PatternError('missing ")"')
    return inner
  }

  /** One escape, outside a class: a character, a class, or an assertion. */
  #escape(): Node {
    const c = this.#s[this.#at++]
    if (c === undefined) throw new PatternError('trailing backslash')
    switch (c) {
      case 'b':
        return { k: 'assert', what: 'word' }
      case 'B':
        return { k: 'assert', what: 'nonword' }
      case 'A':
        return { k: 'assert', what: 'start' }
      case 'z':
        return { k: 'assert', what: 'end' }
    }
    const cls = this.#classEscape(c)
    if (cls) return { k: 'char', test: cls }
    return this.#literal(this.#escapedChar(c))
  }

  #classEscape(c: string): ((x: number) => boolean) | undefined {
    switch (c) {
      case 'd':
        return (x) => inRanges(DIGIT, x)
      case 'D':
        return (x) => !inRanges(DIGIT, x)
      case 'w':
        return (x) => inRanges(WORD, x)
      case 'W':
        return (x) => !inRanges(WORD, x)
      case 's':
        return (x) => inRanges(SPACE, x)
      case 'S':
        return (x) => !inRanges(SPACE, x)
    }
    return undefined
  }

  #escapedChar(c: string): number {
    if (/[1-9]/.test(c)) throw new PatternError('backreferences are not supported (they cannot run in linear time)')
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, f: 12, v: 11, '0': 0 }
    if (c in simple) return simple[c] as number
    if (c === 'x') {
      const m = /^[0-9A-Fa-f]{2}/.exec(this.#s.slice(this.#at))
      if (!m) throw new PatternError('\\x needs two hex digits')
      this.#at += 2
      return Number.parseInt(m[0], 16)
    }
    if (/[A-Za-z0-9]/.test(c)) throw new PatternError(`unknown escape \\${c}`)
    return c.charCodeAt(0) // an escaped punctuation character stands for itself
  }

  #class(): Node {
    let negate = false
    if (this.#peek() === '^') {
      negate = true
      this.#at++
    }
    const ranges: Array<[number, number]> = []
    const tests: Array<(x: number) => boolean> = []
    let first = true
    for (;;) {
      const c = this.#s[this.#at++]
      if (c === undefined) throw new PatternError('missing "]"')
      if (c === ']' && !first) break
      first = false
      let lo: number
      if (c === '\\') {
        const e = this.#s[this.#at++]
        if (e === undefined) throw new PatternError('missing "]"')
        const cls = this.#classEscape(e)
        if (cls) {
          tests.push(cls)
          continue
        }
        lo = this.#escapedChar(e)
      } else {
        lo = c.charCodeAt(0)
      }
      let hi = lo
      if (this.#peek() === '-' && this.#s[this.#at + 1] !== ']' && this.#s[this.#at + 1] !== undefined) {
        this.#at++
        const h = this.#s[this.#at++] as string
        hi = h === '\\' ? this.#escapedChar(this.#s[this.#at++] ?? '') : h.charCodeAt(0)
        if (hi < lo) throw new PatternError('bad character class range')
      }
      ranges.push([lo, hi])
    }
    const ci = this.#ci
    const member = (x: number) => inRanges(ranges, x) || tests.some((t) => t(x)) || (ci && otherCase(x) !== x && (inRanges(ranges, otherCase(x)) || tests.some((t) => t(otherCase(x)))))
    return { k: 'char', test: negate ? (x) => !member(x) : member }
  }
}

function emit(node: Node, prog: Inst[]): void {
  if (prog.length > MAX_PROGRAM) throw new PatternError(`the pattern is too large (more than ${MAX_PROGRAM} steps once repetitions are expanded)`)
  switch (node.k) {
    case 'char':
      prog.push({ op: 'char', test: node.test })
      return
    case 'assert':
      prog.push({ op: 'assert', what: node.what })
      return
    case 'cat':
      for (const item of node.items) emit(item, prog)
      return
    case 'alt': {
      // split L1, L2; L1: a; jmp end; L2: split … ; last: z; end:
      const jumps: Array<{ op: 'jmp'; to: number }> = []
      node.items.forEach((item, i) => {
        if (i < node.items.length - 1) {
          const split: Inst = { op: 'split', a: prog.length + 1, b: 0 }
          prog.push(split)
          emit(item, prog)
          const jmp = { op: 'jmp' as const, to: 0 }
          prog.push(jmp)
          jumps.push(jmp)
          split.b = prog.length
        } else emit(item, prog)
      })
      for (const j of jumps) j.to = prog.length
      return
    }
    case 'repeat': {
      for (let i = 0; i < node.min; i++) emit(node.item, prog)
      if (node.max === Infinity) {
        // L1: split L2, end; L2: item; jmp L1; end:
        const split: Inst = { op: 'split', a: prog.length + 1, b: 0 }
        const start = prog.length
        prog.push(split)
        emit(node.item, prog)
        prog.push({ op: 'jmp', to: start })
        split.b = prog.length
        return
      }
      for (let i = node.min; i < node.max; i++) {
        const split: Inst = { op: 'split', a: prog.length + 1, b: 0 }
        prog.push(split)
        emit(node.item, prog)
        split.b = prog.length
      }
    }
  }
}

/** Pike VM: every state the NFA can be in after each character, each state at most once. */
function run(prog: readonly Inst[], text: string): boolean {
  const n = prog.length
  const mark = new Int32Array(n).fill(-1)
  let current: number[] = []
  let next: number[] = []
  const stack: number[] = []
  const holds = (what: 'start' | 'end' | 'word' | 'nonword', pos: number): boolean => {
    if (what === 'start') return pos === 0
    if (what === 'end') return pos === text.length
    const before = pos > 0 && isWordChar(text.charCodeAt(pos - 1))
    const after = pos < text.length && isWordChar(text.charCodeAt(pos))
    return what === 'word' ? before !== after : before === after
  }
  /** Follow the empty moves from `pc` at `pos`, adding the character states to `list`; true on a match. */
  const add = (list: number[], pc: number, pos: number): boolean => {
    stack.push(pc)
    while (stack.length > 0) {
      const at = stack.pop() as number
      if (mark[at] === pos) continue
      mark[at] = pos
      const inst = prog[at] as Inst
      switch (inst.op) {
        case 'char':
          list.push(at)
          break
        case 'jmp':
          stack.push(inst.to)
          break
        case 'split':
          stack.push(inst.b, inst.a)
          break
        case 'assert':
          if (holds(inst.what, pos)) stack.push(at + 1)
          break
        case 'match':
          stack.length = 0
          return true
      }
    }
    return false
  }
  for (let pos = 0; ; pos++) {
    if (add(current, 0, pos)) return true // a match may start at any position
    if (pos === text.length) return false
    const c = text.charCodeAt(pos)
    next.length = 0
    for (const pc of current) {
      const inst = prog[pc] as Inst
      if (inst.op === 'char' && inst.test(c) && add(next, pc + 1, pos + 1)) return true
    }
    ;[current, next] = [next, current]
  }
}
