// Experiments, compiled: variants with their resolved pools, the user-id source, cookie lifetime.
import type { CompiledPool } from '../config/compile-pool.ts'

export interface CompiledVariant {
  name: string
  weight: number
  pool: CompiledPool | undefined
  pathPrefix: string | undefined
  requestHeaders: Array<[string, string]>
}

export interface CompiledExperiment {
  name: string
  routes: ReadonlySet<string>
  variants: readonly CompiledVariant[]
  userKey: { header: string } | { cookie: string } | { claim: string } | undefined
  secret: string
  ttlSeconds: number
  allowOverride: boolean
  debugHeader: boolean
}

/** The KV namespace holding the assignments of known users (wrangler.toml). */
export const EXPERIMENTS_KV_BINDING = 'EXPERIMENTS_KV'

/** How long an assignment is remembered (cookie and KV): long enough to outlast an experiment. */
export const DEFAULT_ASSIGNMENT_TTL_SECONDS = 90 * 24 * 3600
