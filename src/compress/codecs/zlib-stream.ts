// node:zlib streams (nodejs_compat) as WHATWG TransformStreams, with an optional flush after every
// chunk so each chunk's bytes leave at once (Server-Sent Events). Back-pressure: the next chunk is
// written only after zlib has taken the previous one.
import type { Transform } from 'node:stream'

interface Flushable extends Transform {
  flush(kind: number, callback: () => void): void
}

export function fromZlib(z: Flushable, flushKind: number | undefined): TransformStream<Uint8Array, Uint8Array> {
  let controller: TransformStreamDefaultController<Uint8Array> | undefined
  let failure: unknown
  z.on('data', (d: Uint8Array) => controller?.enqueue(new Uint8Array(d.buffer, d.byteOffset, d.byteLength)))
  z.on('error', (err: unknown) => {
    failure = err
    controller?.error(err)
  })
  return new TransformStream<Uint8Array, Uint8Array>({
    start(c) {
      controller = c
    },
    transform(chunk) {
      return new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure)
        z.write(chunk, (err) => {
          if (err) return reject(err)
          if (flushKind === undefined) return resolve()
          z.flush(flushKind, () => resolve())
        })
      })
    },
    flush() {
      return new Promise<void>((resolve, reject) => {
        if (failure) return reject(failure)
        z.once('end', () => resolve())
        z.once('error', reject)
        z.end()
      })
    },
  })
}
