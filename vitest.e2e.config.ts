// End-to-end tests: the built Worker bundle in workerd (Miniflare) on a real loopback socket,
// in front of real origin processes. The global setup builds the bundle once.
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['./test/e2e/global-setup.ts'],
    // Portico in workerd writes one JSON line per request (README "Observability"): kept out of
    // the test output.
    onConsoleLog: (log) => !log.includes('"message":"request"'),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores on CI: one file at a time keeps timing-sensitive tests honest.
    fileParallelism: false,
  },
})
