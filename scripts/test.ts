// `npm test`: every check, in order, stopping at the first that fails: typecheck, lint, the JSON
// Schema and wrangler.toml config checks, unit + integration tests in workerd, end-to-end tests.
// Ends with one summary line of the test counts.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'

const reports = '.build/reports'
rmSync(reports, { recursive: true, force: true })
mkdirSync(reports, { recursive: true })

const vitest = (name: string, config: string) => ['vitest', 'run', '--config', config, '--reporter=default', '--reporter=json', `--outputFile.json=${reports}/${name}.json`]
const steps: Array<[string, string[]]> = [
  ['typecheck', ['tsc', '-p', 'tsconfig.json']],
  ['lint', ['eslint', '.']],
  ['schema', ['node', 'scripts/schema.ts', '--check']],
  ['config', ['node', 'scripts/check.ts']],
  ['unit + integration (workerd)', vitest('workers', 'vitest.config.ts')],
  ['end-to-end (workerd + loopback origins)', vitest('e2e', 'vitest.e2e.config.ts')],
]

const summary = () => {
  const line = `tests: ${passed} passed, ${failed} failed, ${skipped} skipped`
  writeFileSync(`${reports}/summary.txt`, `${line}\n`)
  return line
}

let passed = 0
let failed = 0
let skipped = 0
for (const [name, [cmd, ...args]] of steps) {
  console.log(`\n=== ${name}: ${[cmd, ...args].join(' ')}`)
  const run = spawnSync(cmd as string, args, { stdio: 'inherit', env: { ...process.env, WRANGLER_SEND_METRICS: 'false' } })
  if (cmd === 'vitest') {
    try {
      const r = JSON.parse(readFileSync(`${reports}/${args[2] === 'vitest.config.ts' ? 'workers' : 'e2e'}.json`, 'utf8')) as Record<string, number>
      passed += r.numPassedTests ?? 0
      failed += r.numFailedTests ?? 0
      skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
    } catch {
      failed += 1 // no report: the runner itself failed
    }
  }
  if (run.status !== 0) {
    console.error(`\n${name} failed`)
    failed = Math.max(failed, 1)
    console.log(summary())
    process.exit(1)
  }
}
console.log(`\n${summary()}`)
if (passed === 0) {
  console.error('no test ran')
  process.exit(1)
}
