export { compressBody } from './stage.ts'
export { compileCompression, type CompressionPolicy } from './policy.ts'
