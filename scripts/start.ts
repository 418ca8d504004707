// `npm start`: two demo origins on loopback and Portico in front of them under `wrangler dev`, at
// http://localhost:8787 (PORT to change it). No internet needed: the request.cf lookup and wrangler
// telemetry are switched off. Ctrl-C stops everything.
import { spawn } from 'node:child_process'
import { demoConfig } from '../demo/config.ts'
import { startOrigin } from '../demo/origin.ts'

const port = Number(process.env.PORT ?? 8787)
const originBase = Number(process.env.DEMO_ORIGIN_PORT ?? 9101)
const origins = await Promise.all([startOrigin('a', originBase), startOrigin('b', originBase + 1)])
const config = JSON.stringify(demoConfig(origins.map((o) => o.url)))
console.log(`demo origins: ${origins.map((o) => `${o.name} ${o.url}`).join(', ')}`)

const wrangler = spawn(
  'wrangler',
  ['dev', '--ip', '127.0.0.1', '--port', String(port), '--show-interactive-dev-session=false', '--var', `PORTICO_CONFIG:${config}`, '--var', 'ORIGIN:'],
  { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' } },
)
const stop = () => {
  wrangler.kill('SIGINT')
  void Promise.all(origins.map((o) => o.close())).then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
wrangler.on('exit', (code) => {
  void Promise.all(origins.map((o) => o.close())).then(() => process.exit(code ?? 0))
})
console.log(`Portico: http://localhost:${port}/  try: curl -i localhost:${port}/api/echo`)
