// One demo origin as its own OS process, so a test can SIGKILL it like a crashed server:
// `node origin-process.ts <name> [port]`. Prints `listening <port>` once it accepts connections,
// then one JSON line per request it receives ({ method, url }), so the test that started it can
// count the traffic that reached it.
import { startOrigin } from '../../../demo/origin.ts'

const [name = 'origin', port = '0'] = process.argv.slice(2)
const origin = await startOrigin(name, Number(port))

// startOrigin records each request in `seen`; report each one as it is recorded.
const record = origin.seen.push.bind(origin.seen)
origin.seen.push = (...items) => {
  for (const item of items) process.stdout.write(`${JSON.stringify(item)}\n`)
  return record(...items)
}
process.stdout.write(`listening ${origin.port}\n`)
