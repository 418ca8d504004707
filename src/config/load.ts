// Bindings → compiled config, once per isolate and config version. The config comes from one of
// two bindings: ORIGIN (a URL: proxy everything there) or PORTICO_CONFIG (the full form, a TOML
// table or a JSON string). An invalid config never half-works: the caller answers every request
// with the errors.
import { compileConfig, type BindingLookup, type CompileResult, type ConfigError } from './compile.ts'

/** The bindings Portico reads; anything else in env is looked up by name (secrets, services). */
export interface PorticoEnv {
  ORIGIN?: string
  PORTICO_CONFIG?: unknown
  ADMIN_TOKEN?: string
  [binding: string]: unknown
}

/** Turn the two config bindings into one raw config object, or say what is wrong with them. */
export function rawConfigFrom(env: { ORIGIN?: unknown; PORTICO_CONFIG?: unknown }): { raw: unknown } | { errors: ConfigError[] } {
  const { ORIGIN: origin, PORTICO_CONFIG: full } = env
  const hasOrigin = origin !== undefined && origin !== ''
  if (full !== undefined && full !== '') {
    if (hasOrigin) {
      return { errors: [{ path: 'ORIGIN', message: 'set either ORIGIN or PORTICO_CONFIG, not both; for one origin in PORTICO_CONFIG use routes: [{ upstream: "https://..." }]' }] }
    }
    if (typeof full !== 'string') return { raw: full }
    try {
      return { raw: JSON.parse(full) }
    } catch (err) {
      return { errors: [{ path: 'PORTICO_CONFIG', message: `is not valid JSON (${(err as Error).message}); write it as JSON text or as a TOML table [vars.PORTICO_CONFIG]` }] }
    }
  }
  if (hasOrigin) return { raw: { routes: [{ name: 'origin', upstream: origin }] } }
  return { errors: [{ path: '(bindings)', message: 'no configuration: set ORIGIN = "https://your-origin" or PORTICO_CONFIG in wrangler.toml [vars]' }] }
}

export function bindingsOf(env: PorticoEnv): BindingLookup {
  return {
    text: (name) => (typeof env[name] === 'string' ? (env[name] as string) : undefined),
    hasService: (name) => typeof (env[name] as { fetch?: unknown } | undefined)?.fetch === 'function',
    hasKvNamespace: (name) => typeof (env[name] as { getWithMetadata?: unknown } | undefined)?.getWithMetadata === 'function',
    hasDurableObject: (name) => typeof (env[name] as { idFromName?: unknown } | undefined)?.idFromName === 'function',
  }
}

let cached: { full: unknown; origin: unknown; result: CompileResult } | undefined

/** The compiled config for these bindings, compiled on first use and reused while they are the same. */
export function loadConfig(env: PorticoEnv): CompileResult {
  if (cached && cached.full === env.PORTICO_CONFIG && cached.origin === env.ORIGIN) return cached.result
  const source = rawConfigFrom(env)
  const result: CompileResult = 'errors' in source ? { ok: false, errors: source.errors, warnings: [] } : compileConfig(source.raw, bindingsOf(env))
  if (!result.ok) console.error(JSON.stringify({ level: 'error', message: 'invalid Portico configuration', errors: result.errors }))
  cached = { full: env.PORTICO_CONFIG, origin: env.ORIGIN, result }
  return result
}
