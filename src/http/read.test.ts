import { describe, expect, it } from 'vitest'
import { concatBytes } from './bytes.ts'
import { readUpTo, replayed } from './read.ts'

const enc = new TextEncoder()
/** A stream of these chunks, and how many of them were pulled. */
function chunked(parts: string[]): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let i = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const part = parts[i++]
      if (part === undefined) controller.close()
      else controller.enqueue(enc.encode(part))
    },
  })
  return { stream, pulled: () => i }
}
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes)

describe('readUpTo', () => {
  it('reads a body that ends within the limit whole', async () => {
    const { stream } = chunked(['ab', 'cd', 'e'])
    const prefix = await readUpTo(stream, 5)
    expect(prefix.ended).toBe(true)
    expect(text(concatBytes(prefix.chunks, prefix.size))).toBe('abcde')
  })

  it('stops at the first chunk past the limit and leaves the rest unread', async () => {
    const { stream, pulled } = chunked(['ab', 'cd', 'ef', 'gh'])
    const prefix = await readUpTo(stream, 3)
    expect(prefix.ended).toBe(false)
    expect(prefix.size).toBe(4)
    expect(pulled()).toBeLessThan(4)
  })

  it('keeps copies when asked, so a later change to a chunk does not reach them', async () => {
    const source = enc.encode('abc')
    const stream = new ReadableStream<Uint8Array>({ start: (c) => (c.enqueue(source), c.close()) })
    const prefix = await readUpTo(stream, 10, true)
    source[0] = 0x7a
    expect(text(prefix.chunks[0] as Uint8Array)).toBe('abc')
  })
})

describe('replayed', () => {
  it('gives back what was read, then the rest as it arrives', async () => {
    const { stream } = chunked(['ab', 'cd', 'ef', 'gh'])
    const prefix = await readUpTo(stream, 3)
    expect(await new Response(replayed(prefix)).text()).toBe('abcdefgh')
  })
})
