// Build the Worker bundle once, as `wrangler deploy` would, for every end-to-end test file.
import { execFileSync } from 'node:child_process'

export default function setup() {
  execFileSync('wrangler', ['deploy', '--dry-run', '--outdir', '.build/e2e'], { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'warn' } })
}
