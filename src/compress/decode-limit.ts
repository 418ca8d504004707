// A bound on decoded bytes: a small compressed body that expands without end (a decompression
// bomb) is cut off at the limit instead of being passed on or held in memory.

export class DecodedTooLarge extends Error {
  constructor(limit: number) {
    super(`decoded body exceeds ${limit} bytes`)
  }
}

export function limitBytes(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength
      if (seen > limit) controller.error(new DecodedTooLarge(limit))
      else controller.enqueue(chunk)
    },
  })
}
