// Which variant of an experiment a user gets. A new user is placed by a hash of (experiment,
// user) on the cumulative weights, the same answer in every isolate and colo; after that the
// assignment is remembered (signed cookie, KV for known users) and kept, so changing the weights
// moves only users not yet assigned, and removing a variant reassigns only its own users. Pure.
import { unitHash } from '../balance/hash.ts'

export interface WeightedVariant {
  name: string
  weight: number
}

export type AssignmentSource = 'override' | 'stored' | 'new'

/** A stable position in [0, 1) for this subject in this experiment (independent across experiments). */
export function bucketOf(experiment: string, subject: string): number {
  return unitHash(`${experiment}\u0000${subject}`)
}

/** The variant whose cumulative weight range holds `position`; variants with weight 0 get nobody. */
export function variantAt(variants: readonly WeightedVariant[], position: number): string | undefined {
  const total = variants.reduce((sum, v) => sum + Math.max(0, v.weight), 0)
  if (total <= 0) return undefined
  let edge = 0
  for (const v of variants) {
    if (v.weight <= 0) continue
    edge += v.weight / total
    if (position < edge) return v.name
  }
  return [...variants].reverse().find((v) => v.weight > 0)?.name
}

export interface AssignInput {
  experiment: string
  variants: readonly WeightedVariant[]
  /** Who is being assigned: a user id when known, else the visitor id of the cookie. */
  subject: string
  /** A remembered assignment, if any. */
  stored: string | undefined
  /** A QA override, already checked against the config's permission. */
  override: string | undefined
}

export function assign(input: AssignInput): { variant: string; source: AssignmentSource } | undefined {
  const live = (name: string | undefined) => name !== undefined && input.variants.some((v) => v.name === name && v.weight > 0)
  // An override may name a variant at weight 0: QA previews a variant before it takes users.
  if (input.override !== undefined && input.variants.some((v) => v.name === input.override)) return { variant: input.override, source: 'override' }
  if (live(input.stored)) return { variant: input.stored as string, source: 'stored' }
  const variant = variantAt(input.variants, bucketOf(input.experiment, input.subject))
  return variant === undefined ? undefined : { variant, source: 'new' }
}

/** QA overrides: header "X-Portico-Variant: checkout=v2, banner=b" or query "?portico-variant=checkout:v2". */
export function overrideFor(experiment: string, header: string | null, query: string | null): string | undefined {
  for (const source of [header, query]) {
    if (!source) continue
    for (const pair of source.split(',')) {
      const [exp, variant] = pair.split(/[=:]/).map((s) => s.trim())
      if (exp === experiment && variant) return variant
    }
  }
  return undefined
}
