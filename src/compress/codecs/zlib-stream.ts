// node:zlib streams (nodejs_compat) as a WHATWG readable/writable pair, with an optional flush after
// every chunk so each chunk's bytes leave at once (Server-Sent Events). Back-pressure both ways:
// the next chunk is written only after zlib has taken the previous one, and zlib pauses while its
// output is not read, so a small input that decodes to gigabytes (a bomb) is produced only as fast
// as the reader takes it, never queued whole. (The platform's DecompressionStream decodes a whole
// chunk at once, whatever the reader does.)
import type { Transform } from 'node:stream'

interface Flushable extends Transform {
  flush(kind: number, callback: () => void): void
}

export interface ZlibOptions {
  /** Flush with this kind after every chunk. */
  flushEachChunk?: number
  /**
   * Flush with this kind before ending. workerd's zstd encoder fails with "Unexpected end of file"
   * when ending with more than a block of incompressible input pending; a flush first avoids it.
   */
  flushBeforeEnd?: number
}

export function fromZlib(z: Flushable, options: ZlibOptions = {}): ReadableWritablePair<Uint8Array, Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let failure: unknown
  /** Writes and the close waiting on zlib; rejected at once when the stream fails. */
  const waiting = new Set<(err: unknown) => void>()
  const fail = (err: unknown) => {
    failure ??= err
    z.destroy()
    for (const reject of waiting) reject(failure)
  }
  const readable = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c
      },
      pull() {
        z.resume()
      },
      cancel(reason) {
        fail(reason ?? new Error('reader cancelled'))
      },
    },
    { highWaterMark: 1 },
  )
  z.pause()
  z.on('data', (d: Uint8Array) => {
    try {
      controller.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength))
    } catch (err) {
      return fail(err) // the reader is gone
    }
    // Nobody is waiting for more: stop zlib until the reader pulls.
    if ((controller.desiredSize ?? 0) <= 0) z.pause()
  })
  z.on('end', () => {
    try {
      controller.close()
    } catch {
      // already errored or cancelled
    }
  })
  z.on('error', (err: unknown) => {
    controller.error(err)
    fail(err)
  })
  const written = (run: (done: (err?: unknown) => void) => void) =>
    new Promise<void>((resolve, reject) => {
      if (failure) return reject(failure)
      waiting.add(reject)
      run((err) => {
        waiting.delete(reject)
        if (err ?? failure) reject(err ?? failure)
        else resolve()
      })
    })
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      return written((done) =>
        z.write(chunk, (err) => {
          if (err || options.flushEachChunk === undefined) return done(err ?? undefined)
          z.flush(options.flushEachChunk, () => done())
        }),
      )
    },
    close() {
      return written((done) => {
        z.once('end', () => done())
        if (options.flushBeforeEnd === undefined) z.end()
        else z.flush(options.flushBeforeEnd, () => z.end())
      })
    },
    abort(reason) {
      controller.error(reason)
      fail(reason)
    },
  })
  return { readable, writable }
}
