// One real origin on loopback for the integration tests (they run inside workerd and reach it
// over a real socket). Its port reaches the tests as the ORIGIN_PORT binding.
import type { TestProject } from 'vitest/node'
import { startOrigin } from '../../demo/origin.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    originPort: number
  }
}

export default async function setup(project: TestProject) {
  const origin = await startOrigin('integration')
  project.provide('originPort', origin.port)
  return () => origin.close()
}
