// Accept-Encoding (RFC 9110 section 12.5.3), parsed once for both of its readers: compression
// chooses a coding by it, and the cache reduces it to the codings accepted for a Vary key. Pure.

/** q-value per coding name ("*" included) from an Accept-Encoding value. */
export function parseAcceptEncoding(value: string | null): Map<string, number> {
  const out = new Map<string, number>()
  if (value === null) return out
  for (const part of value.split(',')) {
    const [name, ...params] = part.split(';').map((p) => p.trim())
    if (!name) continue
    let q = 1
    for (const p of params) {
      const m = /^q\s*=\s*([01](?:\.\d{0,3})?)$/i.exec(p)
      if (m) q = Number(m[1])
    }
    const key = name.toLowerCase() === 'x-gzip' ? 'gzip' : name.toLowerCase()
    if (!out.has(key) || (out.get(key) as number) < q) out.set(key, Math.min(q, 1))
  }
  return out
}

/** "gzip, deflate, br;q=0.5" → "br,deflate,gzip": the codings accepted (q above 0), sorted. */
export function acceptedCodings(value: string | null): string {
  return [...parseAcceptEncoding(value)]
    .filter(([, q]) => q > 0)
    .map(([coding]) => coding)
    .sort()
    .join(',')
}
