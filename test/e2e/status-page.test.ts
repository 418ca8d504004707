// The status page in a real headless browser (Debian's Chromium driven by playwright-core; no
// browser download): Portico in workerd before two origin processes, some traffic through it, then
// the page signed in through its form. Its charts are drawn from the metrics object's data, and
// when one origin is killed its health on the page turns from up to down within the active
// probes' thresholds, without reloading the page.
import { existsSync, mkdirSync } from 'node:fs'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { config, startPortico, type RunningPortico } from './harness.ts'
import { spawnOrigin, type OriginProcess } from './origins/processes.ts'

const CHROMIUM = '/usr/bin/chromium'
/** As root on these machines, with no network beyond loopback (see the project's machine notes). */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const ADMIN_TOKEN = 'e2e-status-page-token'
const PROBE_INTERVAL_MS = 1_000
const UNHEALTHY_THRESHOLD = 2
/** Probes to see the kill, the page's 3 s refresh, and slack for two busy cores. */
const HEALTH_CHANGE_WITHIN_MS = UNHEALTHY_THRESHOLD * PROBE_INTERVAL_MS + 3_000 + 7_000

let a: OriginProcess
let b: OriginProcess
let portico: RunningPortico
let browser: Browser
let page: Page

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the status page test needs a real browser. Install Debian's: apt-get update && apt-get install -y --no-install-recommends chromium (.ci/run does this).`)
  }
  ;[a, b] = await Promise.all([spawnOrigin('a'), spawnOrigin('b')])
  portico = await startPortico({
    ...config({
      observability: { metricsFlushMs: 1_000 },
      pools: {
        web: {
          upstreams: [a.url, b.url],
          algorithm: 'round-robin',
          health: { active: { path: '/status/200', intervalMs: PROBE_INTERVAL_MS, timeoutMs: 500, unhealthyThreshold: UNHEALTHY_THRESHOLD, healthyThreshold: 2 } },
        },
      },
      routes: [
        { name: 'cached', match: { path: '/cached' }, pool: 'web', cache: {} },
        { name: 'site', pool: 'web' },
      ],
    }),
    ADMIN_TOKEN,
  })
  // Traffic for the charts: successes, origin errors, and cache misses then hits.
  for (let i = 0; i < 12; i++) await (await fetch(portico.at(`/echo?i=${i}`))).text()
  for (let i = 0; i < 3; i++) await (await fetch(portico.at('/status/503'))).text()
  for (let i = 0; i < 4; i++) await (await fetch(portico.at('/cached/page?h=Cache-Control%3A+max-age%3D300'))).text()
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, timeout: 20_000 })
  page = await browser.newPage()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await portico?.close()
  await Promise.all([a?.stop(), b?.stop()])
})

/** The page's state of an upstream's row: up, down or untracked. */
const stateOf = (key: string) => page.locator(`tr[data-upstream="${key}"]`).getAttribute('data-state')

describe('status page in a browser', () => {
  it('shows the sign-in form first, with no data, and the page after the token is given', async () => {
    const res = await page.goto(portico.at('/_portico/status'))
    expect(res?.status()).toBe(401)
    expect(await page.locator('form input[name=token]').count()).toBe(1)
    expect(await page.content()).not.toContain(a.url)
    await page.fill('input[name=token]', ADMIN_TOKEN)
    await Promise.all([page.waitForURL('**/_portico/status'), page.click('button[type=submit]')])
    await page.waitForSelector('body[data-loaded]', { timeout: 10_000 })
    expect(await page.title()).toBe('Portico status')
  })

  it('draws the charts from the metrics: bars for requests and errors, lines for latency, cache hits', async () => {
    await expect.poll(async () => Number(await page.locator('svg[data-chart=requests]').getAttribute('data-points')), { timeout: 10_000 }).toBeGreaterThan(0)
    const bars = await page.locator('svg[data-chart=requests] rect.bar[data-series=requests]').evaluateAll((rs) => rs.map((r) => Number(r.getAttribute('data-value'))))
    expect(bars.reduce((s, v) => s + v, 0)).toBeGreaterThanOrEqual(19)
    expect(await page.locator('svg[data-chart=requests] rect.bar[data-series=errors]').count()).toBeGreaterThan(0)
    expect(await page.locator('svg[data-chart=latency] path[data-series=p95]').getAttribute('d')).toMatch(/^M[\d.]+ [\d.]+/)
    expect(await page.locator('svg[data-chart=cache] rect.bar[data-series=hits]').count()).toBeGreaterThan(0)
    const tiles = await page.locator('#tiles').innerText()
    expect(tiles).toMatch(/Requests\s*\n?\s*\d+/)
    mkdirSync('.build/e2e', { recursive: true })
    await page.screenshot({ path: '.build/e2e/status-page.png', fullPage: true })
  })

  it('shows both upstreams up, then the killed one down, without a reload', async () => {
    await expect.poll(() => stateOf(a.url), { timeout: 10_000 }).toBe('up')
    await expect.poll(() => stateOf(b.url), { timeout: 10_000 }).toBe('up')
    await b.kill()
    const killedAt = performance.now()
    await expect.poll(() => stateOf(b.url), { timeout: HEALTH_CHANGE_WITHIN_MS, interval: 250 }).toBe('down')
    console.log(`status page showed the killed origin down after ${Math.round(performance.now() - killedAt)} ms`)
    expect(await stateOf(a.url)).toBe('up')
    await page.screenshot({ path: '.build/e2e/status-page-down.png', fullPage: true })
  }, HEALTH_CHANGE_WITHIN_MS + 15_000)
})
