// Runs inside workerd for `npm run bench:codecs`: each coding and level of Portico's own codecs
// (src/compress/codecs) over a text body, timed from the first byte written to the last read.
import { encoder, type Levels } from '../src/compress/codecs/index.ts'
import type { Coding } from '../src/compress/negotiate.ts'

const LEVELS: Record<Coding, number[]> = { gzip: [1, 6, 9], deflate: [1, 6, 9], br: [1, 4, 6, 9], zstd: [1, 3, 9, 19] }

/** A text body like an API answer or a page: JSON-ish lines, varied enough not to be trivial. */
function body(bytes: number): Uint8Array {
  const lines: string[] = []
  let size = 0
  for (let i = 0; size < bytes; i++) {
    const line = `{"id":${i},"name":"item ${(i * 7919) % 10007}","tags":["t${i % 13}","t${i % 7}"],"price":${((i * 37) % 1000) / 10},"in_stock":${i % 3 !== 0}}\n`
    lines.push(line)
    size += line.length
  }
  return new TextEncoder().encode(lines.join('').slice(0, bytes))
}

async function run(coding: Coding, level: number, input: Uint8Array, chunk: number): Promise<{ outBytes: number; ms: number }> {
  const levels: Levels = { gzip: 6, deflate: 6, br: 4, zstd: 3, [coding]: level }
  const started = performance.now()
  const source = new ReadableStream<Uint8Array>({
    start(c) {
      for (let at = 0; at < input.byteLength; at += chunk) c.enqueue(input.subarray(at, at + chunk))
      c.close()
    },
  })
  const out = await new Response(source.pipeThrough(encoder(coding, levels, false))).arrayBuffer()
  return { outBytes: out.byteLength, ms: performance.now() - started }
}

export default {
  async fetch(req: Request): Promise<Response> {
    const sizeBytes = Number(new URL(req.url).searchParams.get('bytes') ?? 1_048_576)
    const reps = Number(new URL(req.url).searchParams.get('reps') ?? 3)
    const input = body(sizeBytes)
    const rows: Array<{ coding: Coding; level: number; ratio: number; mbPerS: number }> = []
    for (const coding of Object.keys(LEVELS) as Coding[]) {
      for (const level of LEVELS[coding]) {
        await run(coding, level, input, 16_384) // warm-up
        const times: number[] = []
        let outBytes = 0
        for (let i = 0; i < reps; i++) {
          const r = await run(coding, level, input, 16_384)
          times.push(r.ms)
          outBytes = r.outBytes
        }
        const ms = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number
        rows.push({ coding, level, ratio: input.byteLength / outBytes, mbPerS: input.byteLength / 1_048_576 / (ms / 1000) })
      }
    }
    return Response.json({ inputBytes: input.byteLength, rows })
  },
}
