// The purge log's I/O: each purge is one KV key ("purge:<time>-<random>", the record in its
// metadata), so concurrent purges from different colos never overwrite each other; isolates list
// them in the background every few seconds. The isolate that takes a purge applies it at once.
import type { PurgeRecord } from './purge-log.ts'

/** How often an isolate re-reads the log (KV's own propagation adds up to about 60 s). */
const REFRESH_MS = 5_000

export class PurgeLog {
  #records: PurgeRecord[] = []
  #fetchedAt = 0
  #busy = false
  readonly #retentionSeconds: number

  constructor(retentionSeconds: number) {
    this.#retentionSeconds = retentionSeconds
  }

  /** The records known to this isolate (a refresh is handed to waitUntil when due). */
  current(kv: KVNamespace | undefined, now: number, waitUntil: (p: Promise<unknown>) => void): readonly PurgeRecord[] {
    if (kv && !this.#busy && now - this.#fetchedAt >= REFRESH_MS) {
      this.#busy = true
      waitUntil(
        this.#refresh(kv)
          .catch((err: unknown) => console.error(JSON.stringify({ level: 'warn', message: 'purge log unreadable', error: String(err) })))
          .finally(() => {
            this.#busy = false
            this.#fetchedAt = Date.now()
          }),
      )
    }
    return this.#records
  }

  async #refresh(kv: KVNamespace): Promise<void> {
    const found: PurgeRecord[] = []
    let cursor: string | undefined
    do {
      const page: KVNamespaceListResult<PurgeRecord> = await kv.list<PurgeRecord>({ prefix: 'purge:', ...(cursor ? { cursor } : {}) })
      for (const k of page.keys) if (k.metadata) found.push(k.metadata)
      cursor = page.list_complete ? undefined : page.cursor
    } while (cursor)
    // Keep records this isolate added itself that KV does not list yet.
    const known = new Set(found.map((r) => `${r.at}|${r.kind}|${r.value}`))
    this.#records = [...found, ...this.#records.filter((r) => !known.has(`${r.at}|${r.kind}|${r.value}`) && Date.now() - r.at < 120_000)]
  }

  /** Record purges: in this isolate at once, and in KV for every other isolate and colo. */
  async add(kv: KVNamespace | undefined, records: readonly PurgeRecord[]): Promise<void> {
    this.#records = [...this.#records, ...records]
    if (!kv) return
    await Promise.all(
      records.map((r) =>
        kv.put(`purge:${r.at}-${crypto.randomUUID()}`, '', { metadata: r, expirationTtl: Math.max(60, this.#retentionSeconds) }),
      ),
    )
  }
}
