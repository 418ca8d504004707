// Range requests served from a stored full response (RFC 9110 section 14): one byte range gives
// 206 with Content-Range; an unsatisfiable one 416; several ranges, or a syntax this cache does not
// serve, get the whole 200 (which RFC 9110 allows). Pure.

export type RangePlan =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number } // inclusive
  | { kind: 'unsatisfiable' }

export function planRange(rangeHeader: string | null, size: number): RangePlan {
  if (rangeHeader === null) return { kind: 'full' }
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(rangeHeader)
  if (!m) return { kind: 'full' } // multiple ranges or another unit: ignore Range
  const [, first, last] = m
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return { kind: 'unsatisfiable' }
    return size === 0 ? { kind: 'unsatisfiable' } : { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (start >= size) return { kind: 'unsatisfiable' }
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (end < start) return { kind: 'full' } // invalid range-spec: the field is ignored
  return { kind: 'partial', start, end }
}
