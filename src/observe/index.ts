export { requestIdFor } from './request-id.ts'
export { propagateTraceContext, isValidTraceparent, newTraceparent } from './traceparent.ts'
