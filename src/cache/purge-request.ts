// The admin purge request: its body schema, and the purge records it makes. Pure.
import * as v from 'valibot'
import type { PurgeRecord } from './purge-log.ts'

const absoluteUrl = v.pipe(v.string(), v.url('must be an absolute URL such as "https://www.example.com/page"'))

export const PurgeBody = v.strictObject({
  urls: v.optional(v.array(absoluteUrl)),
  prefixes: v.optional(v.array(absoluteUrl)),
  tags: v.optional(v.array(v.pipe(v.string(), v.minLength(1)))),
  everything: v.optional(v.literal(true)),
})

export type PurgeBodyInput = v.InferOutput<typeof PurgeBody>

export function purgeRecords(body: PurgeBodyInput, now: number): PurgeRecord[] {
  const records: PurgeRecord[] = []
  if (body.everything) records.push({ at: now, kind: 'all', value: '' })
  for (const u of body.urls ?? []) records.push({ at: now, kind: 'url', value: new URL(u).href })
  for (const p of body.prefixes ?? []) records.push({ at: now, kind: 'prefix', value: new URL(p).href })
  for (const t of body.tags ?? []) records.push({ at: now, kind: 'tag', value: t })
  return records
}
