// Demo origins as separate OS processes (origin-process.ts), for tests that kill an origin the
// way a crash does (SIGKILL: no goodbye, sockets reset by the kernel) and start it again on the
// same port. Each process is ended only by its own pid.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { createInterface } from 'node:readline'

const SCRIPT = path.resolve('test/e2e/origins/origin-process.ts')

export interface SeenRequest {
  method: string
  url: string
  /** performance.now() in the test process when the origin reported it. */
  at: number
}

export interface OriginProcess {
  name: string
  port: number
  url: string
  /** Every request this origin received, over all its lives. */
  requests: SeenRequest[]
  /** True between start and kill. */
  readonly alive: boolean
  /** SIGKILL by pid; resolves once the process has exited. */
  kill(): Promise<void>
  /** Start it again on the same port; resolves once it accepts connections. */
  restart(): Promise<void>
  /** Kill it if it is alive (for afterAll). */
  stop(): Promise<void>
}

/** Start origin `name` as a child process on `port` (0: any free port). */
export async function spawnOrigin(name: string, port = 0): Promise<OriginProcess> {
  const requests: SeenRequest[] = []
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()

  const launch = (wanted: number) =>
    new Promise<number>((resolve, reject) => {
      // The Node that runs the tests (Node 22 from the npm script's PATH) runs the .ts directly.
      const proc = spawn(process.execPath, [SCRIPT, name, String(wanted)], { stdio: ['ignore', 'pipe', 'inherit'] })
      child = proc
      exited = new Promise((done) => proc.once('exit', () => done()))
      proc.once('exit', (code, signal) => reject(new Error(`origin ${name} exited before listening (${code ?? signal})`)))
      proc.once('error', reject)
      createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const listening = /^listening (\d+)$/.exec(line)
        if (listening) resolve(Number(listening[1]))
        else if (line.startsWith('{')) requests.push({ ...(JSON.parse(line) as { method: string; url: string }), at: performance.now() })
      })
    })

  const actual = await launch(port)
  const self: OriginProcess = {
    name,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    requests,
    get alive() {
      return child !== undefined && child.exitCode === null && child.signalCode === null
    },
    async kill() {
      if (!self.alive || child?.pid === undefined) return
      process.kill(child.pid, 'SIGKILL')
      await exited
    },
    async restart() {
      await self.kill()
      await launch(actual)
    },
    stop: () => self.kill(),
  }
  return self
}
