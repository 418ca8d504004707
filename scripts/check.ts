// `npm run check`: validate Portico's config offline, with the messages the Worker would answer
// with, and print the effective routes table.
//   npm run check                         the config in wrangler.toml
//   npm run check -- --env production     a wrangler environment
//   npm run check -- --file portico.json  a JSON file holding PORTICO_CONFIG
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { unstable_readConfig } from 'wrangler'
import { compileConfig, describeRoutes, rawConfigFrom, type BindingLookup, type ConfigError } from '../src/config/index.ts'

const { values } = parseArgs({ options: { config: { type: 'string', default: 'wrangler.toml' }, env: { type: 'string' }, file: { type: 'string' } } })
const wrangler = unstable_readConfig({ config: values.config, env: values.env }, { hideWarnings: true })
const vars = (wrangler.vars ?? {}) as Record<string, unknown>
// Bindings with a fetch(): service bindings and mTLS client certificates.
const services = new Set([...(wrangler.services ?? []).map((s: { binding: string }) => s.binding), ...(wrangler.mtls_certificates ?? []).map((m: { binding: string }) => m.binding)])

let bindings: { ORIGIN?: unknown; PORTICO_CONFIG?: unknown } = vars
if (values.file) {
  try {
    bindings = { PORTICO_CONFIG: readFileSync(values.file, 'utf8') }
  } catch (err) {
    fail([{ path: values.file, message: `cannot be read: ${(err as Error).message}` }])
  }
}
const where = values.file ?? `${values.config}${values.env ? ` [env.${values.env}]` : ''}`

const lookup: BindingLookup = {
  text: (name) => (typeof vars[name] === 'string' ? (vars[name] as string) : undefined),
  hasService: (name) => services.has(name),
  hasKvNamespace: (name) => (wrangler.kv_namespaces ?? []).some((b: { binding: string }) => b.binding === name),
  hasDurableObject: (name) => wrangler.durable_objects.bindings.some((b: { name: string }) => b.name === name),
  offline: true,
}
const source = rawConfigFrom(bindings)
if ('errors' in source) fail(source.errors)
const result = compileConfig(source.raw, lookup)
for (const w of result.warnings) console.warn(`warning: ${w.path}: ${w.message}`)
if (!result.ok) fail(result.errors)

console.log(`${where}: configuration is valid\n`)
const rows = describeRoutes(result.config).map((r) => [r.name, r.hosts, r.path, r.methods, r.headers, r.action])
const head = ['ROUTE', 'HOST', 'PATH', 'METHODS', 'HEADERS', 'ACTION']
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
for (const r of [head, ...rows]) console.log(r.map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i] ?? 0))).join('  '))

function fail(errors: readonly ConfigError[]): never {
  console.error(`${where}: configuration is invalid (${errors.length} problem${errors.length === 1 ? '' : 's'})`)
  for (const e of errors) console.error(`  ${e.path}: ${e.message}`)
  process.exit(1)
}
