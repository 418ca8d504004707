// Runs autocannon through its API in a process of its own (the load generator must not share a
// process with the servers) and prints its result as JSON. The options come as one JSON argument:
// autocannon's command line reads "[...]" as a sub-argument, so a URL with [<id>] cannot go there.
import { createRequire } from 'node:module'

interface Options {
  url: string
  connections: number
  durationS: number
  headers?: Record<string, string>
  /** Replace [<id>] in the URL with a new id on every request. */
  idReplacement?: boolean
}

type Autocannon = (opts: Record<string, unknown>) => Promise<unknown>
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

const options = JSON.parse(process.argv[2] ?? '{}') as Options
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.durationS,
  headers: options.headers ?? {},
  idReplacement: options.idReplacement ?? false,
  timeout: 30,
})
process.stdout.write(`${JSON.stringify(result)}\n`)
