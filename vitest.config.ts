// Unit tests (beside the code) and integration tests run inside workerd, with real KV, Durable
// Objects and Cache, through the Workers Vitest integration. End-to-end tests: vitest.e2e.config.ts.
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'

// Test-only auxiliary Worker, bound as AUX: a service-binding upstream that says what reached it.
const AUX_WORKER = `export default {
  async fetch(req) {
    if (new URL(req.url).pathname === '/drip') {
      // Six chunks 100 ms apart: a body that streams on after its headers.
      const { readable, writable } = new TransformStream()
      const writer = writable.getWriter()
      const drip = async () => {
        for (let i = 0; i < 6; i++) {
          await writer.write(new TextEncoder().encode('chunk ' + i + '\\n'))
          await new Promise((r) => setTimeout(r, 100))
        }
        await writer.close()
      }
      drip()
      return new Response(readable, { headers: { 'Content-Type': 'text/plain' } })
    }
    const body = req.body ? await req.text() : ''
    return Response.json({ service: 'aux', method: req.method, url: req.url, headers: Object.fromEntries(req.headers), body },
      { headers: { 'X-Served-By': 'aux', Server: 'aux-worker' } })
  },
}`

export default defineConfig({
  plugins: [
    cloudflareTest((ctx) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        // A real origin on loopback, started by the global setup below.
        bindings: { ORIGIN: `http://127.0.0.1:${ctx.inject<number>('originPort')}`, ORIGIN_PORT: String(ctx.inject<number>('originPort')) },
        serviceBindings: { AUX: 'aux' },
        workers: [{ name: 'aux', modules: true, script: AUX_WORKER, compatibilityDate: '2026-07-01' }],
      },
    })),
  ],
  test: {
    include: ['src/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['./test/integration/global-setup.ts'],
    // Portico writes one JSON line per request (README "Observability"): kept out of the test
    // output; the tests that check them spy on the console.
    onConsoleLog: (log) => !log.includes('"message":"request"'),
  },
})
