// One timed load run against one row, with what it cost: the load generator's throughput and
// latency, the proxy's CPU time per request, and how busy the machine was with anything else.
import { generateLoad, type LoadTool } from './load.ts'
import { coreBusySeconds, cpuSeconds, cpuSecondsOf, machineBusySeconds, ownCpuSecondsWithReapedChildren, type Pinning } from './proc.ts'
import type { RunResult } from './report.ts'

export interface LoadTarget {
  url: string
  connections: number
  headers?: Record<string, string>
  uniqueQuery?: boolean
  /** The proxy's processes (none for the origin itself). */
  pids: readonly number[]
  /** The origins' process, counted as the bench's own load. */
  originPid: number
}

export async function measureRun(tool: LoadTool, target: LoadTarget, seconds: number, pinning: Pinning): Promise<RunResult> {
  const before = readCpu(target)
  const load = await generateLoad(tool, { url: target.url, durationS: seconds, connections: target.connections, headers: target.headers, uniqueQuery: target.uniqueQuery }, pinning)
  const after = readCpu(target)
  const wallS = (after.at - before.at) / 1000
  const delta = (key: Exclude<keyof CpuReadings, 'at'>) => {
    const a = after[key]
    const b = before[key]
    return a === undefined || b === undefined ? undefined : a - b
  }
  const proxyS = target.pids.length > 0 ? delta('proxy') : undefined
  const parts = [delta('origin'), delta('self'), proxyS ?? 0]
  const oursS = parts.every((x) => x !== undefined) ? (parts as number[]).reduce((a, b) => a + b, 0) : undefined
  const machineS = delta('machine')
  const percentOfWall = (s: number | undefined) => (s === undefined ? undefined : (s / wallS) * 100)
  return {
    ...load,
    cpuUsPerRequest: proxyS === undefined || load.requests === 0 ? undefined : (proxyS / load.requests) * 1e6,
    // Over the load generator's own duration: starting and stopping it leaves the proxy idle.
    proxyCpuPercent: proxyS === undefined ? undefined : (proxyS / load.durationS) * 100,
    clientCoreBusyPercent: pinning.enabled ? percentOfWall(delta('clientCore')) : undefined,
    serverCoreBusyPercent: pinning.enabled ? percentOfWall(delta('serverCore')) : undefined,
    otherLoadPercent: machineS === undefined || oursS === undefined ? undefined : Math.max(0, ((machineS - oursS) / wallS) * 100),
  }

  function readCpu(t: LoadTarget): CpuReadings {
    return {
      at: performance.now(),
      proxy: t.pids.length > 0 ? cpuSecondsOf(t.pids) : undefined,
      origin: cpuSeconds(t.originPid),
      self: ownCpuSecondsWithReapedChildren(),
      machine: machineBusySeconds(),
      clientCore: coreBusySeconds(pinning.clientCore),
      serverCore: coreBusySeconds(pinning.serverCore),
    }
  }
}

interface CpuReadings {
  at: number
  proxy: number | undefined
  origin: number | undefined
  /** This process and the load generators it has waited for. */
  self: number | undefined
  machine: number | undefined
  clientCore: number | undefined
  serverCore: number | undefined
}
