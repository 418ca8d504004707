// The benchmark's origins, in a process of their own so that their CPU is not the proxy's: three
// demo origins (demo/origin.ts) on loopback ports. Prints one JSON line with their URLs, then serves
// until stdin closes or a signal arrives.
import { startOrigin } from '../demo/origin.ts'

const origins = await Promise.all(['a', 'b', 'c'].map((name) => startOrigin(name)))
// The demo origin remembers every request for the tests; a benchmark sends millions, so forget them.
const forget = setInterval(() => {
  for (const o of origins) o.seen.length = 0
}, 1000)

const stop = () => {
  clearInterval(forget)
  void Promise.all(origins.map((o) => o.close())).then(() => process.exit(0))
}
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
process.stdin.on('end', stop)
process.stdin.resume()
process.stdout.write(`${JSON.stringify({ urls: origins.map((o) => o.url), pid: process.pid })}\n`)
