// What a result depends on besides the code: the machine, the reference proxies installed, and the
// Worker bundle as `wrangler deploy` would upload it.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import os from 'node:os'
import { gzipSync } from 'node:zlib'
import type { BenchResults } from './report.ts'

export const BUNDLE_DIR = '.build/bench'

/** Build the bundle as global-setup.ts does for the end-to-end tests, and weigh it. */
export function buildBundle(): BenchResults['bundle'] {
  execFileSync('wrangler', ['deploy', '--dry-run', '--outdir', BUNDLE_DIR], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_LOG: 'warn' },
  })
  const file = `${BUNDLE_DIR}/index.js`
  const code = readFileSync(file)
  return { file, rawBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length }
}

/** nginx and HAProxy, with their versions, when their binaries are on PATH. */
export function installedReferences(): Record<string, string> {
  const versionOf = (cmd: string, re: RegExp) => {
    try {
      // Both print their version with -v, nginx on stderr.
      return re.exec(execFileSync('sh', ['-c', `command -v ${cmd} >/dev/null && ${cmd} -v 2>&1`], { encoding: 'utf8' }))?.[1]
    } catch {
      return undefined
    }
  }
  const found: Record<string, string> = {}
  const nginx = versionOf('nginx', /nginx\/(\S+)/)
  if (nginx) found.nginx = nginx
  const haproxy = versionOf('haproxy', /version (\S+)/)
  if (haproxy) found.haproxy = haproxy
  return found
}

export function describeMachine(): BenchResults['machine'] {
  let cpu = os.cpus()[0]?.model ?? 'unknown CPU'
  if (existsSync('/proc/cpuinfo')) cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpu
  let workerd = 'unknown'
  try {
    workerd = execFileSync('workerd', ['--version'], { encoding: 'utf8' }).trim().replace(/^workerd /, '')
  } catch {
    // Not on PATH outside npm scripts.
  }
  return {
    cpu: cpu.replace(/\s+/g, ' ').trim(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.versions.node,
    workerd,
  }
}

/** The commit the bundle was built from, and whether the Worker's sources differed from it. */
export function describeSource(): BenchResults['source'] {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim()
    const changed = execFileSync('git', ['status', '--porcelain', '--', 'src', 'wrangler.toml', 'package-lock.json'], { encoding: 'utf8' }).trim()
    return { commit, uncommittedChanges: changed.length > 0 }
  } catch {
    return { commit: 'unknown', uncommittedChanges: false }
  }
}
