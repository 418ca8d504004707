// What the benchmark reads about the processes it starts, from Linux's /proc: CPU time (user +
// system, all threads), peak resident memory, children; and pinning to a core with taskset(1).
// Off Linux every reading is undefined and the report says "n/a".
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

/** Clock ticks per second of utime/stime in /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = readTicksPerSecond()

function readTicksPerSecond(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100
  } catch {
    return 100
  }
}

function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces: split after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** User + system CPU seconds the process has used so far, all its threads; undefined once gone. */
export function cpuSeconds(pid: number): number | undefined {
  const f = statFields(pid)
  if (!f) return undefined
  // After the name: state(3) ppid(4) … utime(14) stime(15), so indexes 11 and 12 here.
  return (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND
}

/**
 * CPU seconds of this process plus its children that have exited and been waited for (the load
 * generator, once its run is over): cutime and cstime of /proc/self/stat.
 */
export function ownCpuSecondsWithReapedChildren(): number | undefined {
  const f = statFields(process.pid)
  if (!f) return undefined
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND
}

/** CPU seconds of several processes together (nginx's master and workers). */
export function cpuSecondsOf(pids: readonly number[]): number | undefined {
  let total = 0
  for (const pid of pids) {
    const s = cpuSeconds(pid)
    if (s === undefined) return undefined
    total += s
  }
  return total
}

/** Peak resident set size (VmHWM) in bytes over the process's life. */
export function peakRssBytes(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/** Direct children of a process, with their command names. */
export function childrenOf(pid: number): Array<{ pid: number; name: string }> {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  const found: Array<{ pid: number; name: string }> = []
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (ppid === pid) found.push({ pid: Number(entry), name })
    } catch {
      // The process ended while we looked.
    }
  }
  return found
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  const all = [pid]
  for (let i = 0; i < all.length; i++) for (const child of childrenOf(all[i] as number)) all.push(child.pid)
  return all
}

export interface Pinning {
  /** taskset(1) is there and the machine has at least two cores. */
  enabled: boolean
  /** Core of the origins and the load generator. */
  clientCore: number
  /** Core of the proxy under test (workerd, nginx, HAProxy). */
  serverCore: number
  cores: number
}

export function planPinning(cores: number): Pinning {
  return { enabled: hasTaskset() && cores >= 2, clientCore: 0, serverCore: 1, cores }
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Pin every thread of a running process to one core. */
export function pin(pid: number, core: number, pinning: Pinning): void {
  if (!pinning.enabled) return
  execFileSync('taskset', ['-a', '-p', '-c', String(core), String(pid)], { stdio: 'ignore' })
}

/** The command and arguments that start a program pinned to a core (unchanged when pinning is off). */
export function pinnedCommand(core: number, command: string, args: readonly string[], pinning: Pinning): [string, string[]] {
  return pinning.enabled ? ['taskset', ['-c', String(core), command, ...args]] : [command, [...args]]
}

/** CPU seconds the machine has been busy (all cores, all processes) since boot, from /proc/stat. */
export function machineBusySeconds(): number | undefined {
  return coreBusy('cpu')
}

/** CPU seconds one core has been busy since boot. */
export function coreBusySeconds(core: number): number | undefined {
  return coreBusy(`cpu${core}`)
}

function coreBusy(name: string): number | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')
      .find((l) => l.startsWith(`${name} `))
    if (!line) return undefined
    // user nice system idle iowait irq softirq steal guest…: busy is user, nice, system, irq and
    // softirq (guest time is already in user; steal is the hypervisor's, not this machine's).
    const v = line.trim().split(/\s+/).slice(1).map(Number)
    const at = (i: number) => v[i] ?? 0
    return (at(0) + at(1) + at(2) + at(5) + at(6)) / TICKS_PER_SECOND
  } catch {
    return undefined
  }
}
