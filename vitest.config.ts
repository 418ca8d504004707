// Unit tests (beside the code) and integration tests run inside workerd, with real KV, Durable
// Objects and Cache, through the Workers Vitest integration. End-to-end tests: vitest.e2e.config.ts.
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  plugins: [
    cloudflareTest((ctx) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // A real origin on loopback, started by the global setup below.
        bindings: { ORIGIN: `http://127.0.0.1:${ctx.inject<number>('originPort')}`, ORIGIN_PORT: String(ctx.inject<number>('originPort')) },
      },
    })),
  ],
  test: {
    include: ['src/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['./test/integration/global-setup.ts'],
  },
})
