// The admin purge request: its body schema, and the purge records it makes. Pure.
import * as v from 'valibot'
import type { PurgeRecord } from './purge-log.ts'

/** A purge record lives in a KV key's metadata, which holds 1,024 bytes: each value stays well under. */
const MAX_PURGE_VALUE_BYTES = 800
/** Each record is one KV write, and one request may make 1,000 KV operations at most. */
const MAX_PURGE_RECORDS = 100

const encoder = new TextEncoder()
const fitsRecord = (value: string) => encoder.encode(value).length <= MAX_PURGE_VALUE_BYTES
const TOO_LONG = `is too long: at most ${MAX_PURGE_VALUE_BYTES} bytes (purge a prefix or a tag instead)`

const absoluteUrl = v.pipe(
  v.string(),
  v.url('must be an absolute URL such as "https://www.example.com/page"'),
  v.check((u) => /^https?:$/.test(parsed(u)?.protocol ?? 'http:'), 'must be an http or https URL'),
  v.check((u) => fitsRecord(parsed(u)?.href ?? ''), TOO_LONG),
)
/** Valibot runs every check, even after v.url found the string is not a URL (that issue is reported). */
function parsed(u: string): URL | undefined {
  return URL.canParse(u) ? new URL(u) : undefined
}
const list = <T extends v.GenericSchema>(item: T) => v.optional(v.pipe(v.array(item), v.maxLength(MAX_PURGE_RECORDS, `at most ${MAX_PURGE_RECORDS} in one purge`)))

export const PurgeBody = v.pipe(
  v.strictObject({
    urls: list(absoluteUrl),
    prefixes: list(absoluteUrl),
    tags: list(v.pipe(v.string(), v.minLength(1), v.check(fitsRecord, TOO_LONG))),
    everything: v.optional(v.literal(true)),
  }),
  v.check(
    (b) => (b.urls?.length ?? 0) + (b.prefixes?.length ?? 0) + (b.tags?.length ?? 0) <= MAX_PURGE_RECORDS,
    `at most ${MAX_PURGE_RECORDS} urls, prefixes and tags in one purge; send several`,
  ),
)

export type PurgeBodyInput = v.InferOutput<typeof PurgeBody>

export function purgeRecords(body: PurgeBodyInput, now: number): PurgeRecord[] {
  const records: PurgeRecord[] = []
  if (body.everything) records.push({ at: now, kind: 'all', value: '' })
  for (const u of body.urls ?? []) records.push({ at: now, kind: 'url', value: new URL(u).href })
  for (const p of body.prefixes ?? []) records.push({ at: now, kind: 'prefix', value: new URL(p).href })
  for (const t of body.tags ?? []) records.push({ at: now, kind: 'tag', value: t })
  return records
}
