// `npm run bench:codecs`: compression throughput (MB/s of input) and ratio per coding and level, of
// Portico's own codecs running in workerd (CompressionStream and node:zlib under nodejs_compat),
// over 1 MiB of JSON-like text. Timings in workerd advance only around I/O, so each figure is
// measured across a whole stream (first byte in to last byte out), median of several runs.
// Writes bench/results/codecs.md. The uncompressed path costs no codec time at all: see the
// "100 KiB, Portico forwarding" and "compression" rows of `npm run bench` for whole requests.
import { writeFileSync } from 'node:fs'
import { build } from 'esbuild'
import { Miniflare } from 'miniflare'

const out = '.build/bench/codecs-worker.js'
await build({ entryPoints: ['bench/codecs-worker.ts'], bundle: true, format: 'esm', platform: 'neutral', outfile: out, external: ['node:*', 'cloudflare:*'], logLevel: 'error' })
const mf = new Miniflare({ modules: true, scriptPath: out, compatibilityDate: '2026-07-01', compatibilityFlags: ['nodejs_compat'] })
try {
  const res = await mf.dispatchFetch('http://bench/?bytes=1048576&reps=5')
  const data = (await res.json()) as { inputBytes: number; rows: Array<{ coding: string; level: number; ratio: number; mbPerS: number }> }
  const lines = [
    `# Portico codecs, ${new Date().toISOString().slice(0, 10)}`,
    '',
    `Input: ${(data.inputBytes / 1_048_576).toFixed(1)} MiB of JSON-like text, written in 16 KiB chunks; median of 5 runs after a warm-up; one workerd isolate (Miniflare).`,
    'Default streaming levels: gzip 6, deflate 6, br 4, zstd 3.',
    '',
    '| coding | level | ratio (in / out) | MB/s (input) |',
    '|---|--:|--:|--:|',
    ...data.rows.map((r) => `| ${r.coding} | ${r.level} | ${r.ratio.toFixed(2)} | ${r.mbPerS.toFixed(1)} |`),
    '',
  ]
  writeFileSync('bench/results/codecs.md', lines.join('\n'))
  console.log(lines.join('\n'))
} finally {
  await mf.dispose()
}
