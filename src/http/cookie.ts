// Reading request cookies (RFC 6265 section 5.4's Cookie header), shared by every stage that keys
// or decides on a cookie.

/** The value of the first cookie with exactly this name, or undefined. */
export function cookieValue(header: string | null, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return undefined
}
