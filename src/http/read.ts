// Reading a body up to a limit, for everything that looks at a body before (or instead of) passing
// it on: a request body kept for a retry, a stored body measured for a Range or held in memory, the
// prefix filtering rules inspect, a sign-in form, a health probe's text.

export interface Prefix {
  /** The chunks read, in order (copies when asked for). */
  chunks: Uint8Array[]
  size: number
  /** True when the stream ended within the limit; false when more than the limit arrived and the rest is unread. */
  ended: boolean
  reader: ReadableStreamDefaultReader<Uint8Array>
}

/**
 * Read until `stream` ends or more than `maxBytes` have arrived. `copy`: keep copies of the chunks,
 * for a branch of a tee whose other branch hands the same chunks on.
 */
export async function readUpTo(stream: ReadableStream<Uint8Array>, maxBytes: number, copy = false): Promise<Prefix> {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size <= maxBytes) {
    const next = await reader.read()
    if (next.done) return { chunks, size, ended: true, reader }
    chunks.push(copy ? next.value.slice() : next.value)
    size += next.value.byteLength
  }
  return { chunks, size, ended: false, reader }
}

/** What was read, then the rest of the stream as it arrives: one stream again. */
export function replayed(prefix: Prefix): ReadableStream<Uint8Array> {
  const held = [...prefix.chunks]
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = held.shift()
      if (chunk) return controller.enqueue(chunk)
      const next = await prefix.reader.read()
      if (next.done) controller.close()
      else controller.enqueue(next.value)
    },
    cancel: (reason) => prefix.reader.cancel(reason),
  })
}
