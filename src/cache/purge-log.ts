// Global purge as a log of purge records, each a generation stamp (its time): a stored entry is
// purged when a record newer than the entry covers it, by URL, URL prefix, tag or everything.
// Records live in KV (purge.ts) and expire once no entry can be older than them. Pure.

export interface PurgeRecord {
  at: number
  kind: 'all' | 'url' | 'prefix' | 'tag'
  value: string
}

export interface Purgeable {
  storedAt: number
  url: string
  tags: readonly string[]
}

export function isPurged(log: readonly PurgeRecord[], entry: Purgeable): boolean {
  for (const r of log) {
    if (r.at <= entry.storedAt) continue
    if (r.kind === 'all') return true
    if (r.kind === 'url' && r.value === entry.url) return true
    if (r.kind === 'prefix' && entry.url.startsWith(r.value)) return true
    if (r.kind === 'tag' && entry.tags.includes(r.value)) return true
  }
  return false
}

/** Cache-Tag (comma-separated) and Surrogate-Key (space-separated) values of a response. */
export function responseTags(headers: Headers): string[] {
  const tags = new Set<string>()
  for (const t of (headers.get('cache-tag') ?? '').split(',')) if (t.trim()) tags.add(t.trim())
  for (const t of (headers.get('surrogate-key') ?? '').split(/\s+/)) if (t.trim()) tags.add(t.trim())
  return [...tags]
}
