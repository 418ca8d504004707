// `npm run bench:profile`: where Portico's CPU goes under load. Starts the demo origins and the built
// bundle in workerd (through Miniflare, with its inspector on a loopback port), sends load with
// autocannon for a few seconds while V8's sampling profiler runs in the Worker's isolate, and prints
// the functions with the most self time, and the source files they sit in.
//
//   npm run bench:profile                           # forwarding only (ORIGIN), 5 s
//   npm run bench:profile -- --config '{"routes":[{"upstream":"$ORIGIN","cache":{"edgeTtlSeconds":60}}]}'
//   npm run bench:profile -- --path '/bytes?n=1024' --seconds 8 --top 40 --out .build/portico.cpuprofile
//
// `$ORIGIN` in --config is replaced by the first demo origin's URL. The .cpuprofile opens in Chrome
// DevTools (Performance) or speedscope. The bundle is the last one `npm run bench` built; --build
// builds it first.
import { writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { createRequire } from 'node:module'
import WebSocket from 'ws'
import { BUNDLE_DIR, buildBundle } from './machine.ts'
import { planPinning } from './proc.ts'
import { startWorker, Stopper } from './servers.ts'
import { startOrigin } from '../demo/origin.ts'

const { values: args } = parseArgs({
  options: {
    config: { type: 'string' },
    path: { type: 'string', default: '/bytes?n=1024' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    top: { type: 'string', default: '30' },
    out: { type: 'string' },
    build: { type: 'boolean', default: false },
  },
})
type Autocannon = (opts: Record<string, unknown>) => Promise<LoadResult>
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon
process.chdir(path.resolve(import.meta.dirname, '..'))
const stopper = new Stopper()
try {
  await main()
} finally {
  await stopper.stopAll()
}

async function main(): Promise<void> {
  if (args.build) buildBundle()
  const origin = await startOrigin('a')
  stopper.add(() => origin.close())
  const forget = setInterval(() => (origin.seen.length = 0), 1000)
  stopper.add(async () => clearInterval(forget))

  const bindings: Record<string, string> = args.config ? { PORTICO_CONFIG: args.config.replaceAll('$ORIGIN', origin.url) } : { ORIGIN: origin.url }
  const inspectorPort = 9300 + Math.floor(Math.random() * 500)
  const spec = { scriptPath: path.resolve(BUNDLE_DIR, 'index.js'), bindings, declaredBindings: true, probePath: args.path, inspectorPort }
  const worker = await startWorker(spec, planPinning(os.cpus().length), stopper)
  const url = worker.url + args.path

  const targets = (await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json()) as Array<{ title: string; webSocketDebuggerUrl: string }>
  const target = targets.find((t) => !t.title.startsWith('core:')) ?? targets.find((t) => t.title.includes('user'))
  if (!target) throw new Error(`no Worker among the inspector's targets: ${targets.map((t) => t.title).join(', ')}`)
  const session = await connect(target.webSocketDebuggerUrl)
  await session.call('Profiler.enable')
  await session.call('Profiler.setSamplingInterval', { interval: 100 })

  const seconds = Number(args.seconds)
  await load(url, 1) // warm-up
  await session.call('Profiler.start')
  const result = await load(url, seconds)
  const { profile } = (await session.call('Profiler.stop')) as { profile: CpuProfile }
  session.close()
  console.log(`${target.title}: ${Math.round(result.requests.average)} req/s over ${seconds} s (${result.non2xx} non-2xx, ${result.errors} errors)`)
  if (args.out) writeFileSync(args.out, JSON.stringify(profile))
  report(profile, Number(args.top))
}

interface LoadResult {
  requests: { average: number }
  non2xx: number
  errors: number
}
/** autocannon in this process: the profile is about shares of the Worker's time, not absolute throughput. */
async function load(url: string, seconds: number): Promise<LoadResult> {
  return await autocannon({ url, duration: seconds, connections: Number(args.connections) })
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }; hitCount?: number; children?: number[] }>
  samples: number[]
  timeDeltas: number[]
}

/** Self time per function, and per source file (the bundle's source map is not applied: functions keep their names). */
function report(profile: CpuProfile, top: number): void {
  const selfUs = new Map<number, number>()
  for (let i = 0; i < profile.samples.length; i++) selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + (profile.timeDeltas[i] ?? 0))
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0)
  const byFunction = new Map<string, number>()
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0
    const f = node.callFrame
    const key = `${f.functionName || '(anonymous)'} ${f.url ? `${path.basename(f.url)}:${f.lineNumber + 1}` : ''}`.trim()
    byFunction.set(key, (byFunction.get(key) ?? 0) + us)
  }
  const rows = [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)
  console.log(`\nself time, ${(total / 1000).toFixed(0)} ms sampled`)
  for (const [name, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`)
}

interface Session {
  call(method: string, params?: unknown): Promise<unknown>
  close(): void
}

async function connect(wsUrl: string): Promise<Session> {
  const ws = new WebSocket(wsUrl)
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
  let next = 1
  const pending = new Map<number, (result: unknown) => void>()
  ws.on('message', (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } }
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.error ? Promise.reject(new Error(msg.error.message)) : msg.result)
  })
  return {
    call: (method, params) =>
      new Promise((resolve) => {
        const id = next++
        pending.set(id, resolve)
        ws.send(JSON.stringify({ id, method, params }))
      }),
    close: () => ws.close(),
  }
}
