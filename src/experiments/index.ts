export { assignVariants, withVariant, showVariant, type VariantPlan, type ExperimentIo } from './stage.ts'
export { bucketOf, variantAt, type WeightedVariant } from './assign.ts'
export { DEFAULT_ASSIGNMENT_TTL_SECONDS, EXPERIMENTS_KV_BINDING, type CompiledExperiment, type CompiledVariant } from './policy.ts'
