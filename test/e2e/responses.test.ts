// What the client gets back from an origin: the origin's own URLs (Location, Content-Location,
// Set-Cookie Domain and Path) mapped to the public host and prefix, revealing headers hidden,
// redirects handed on rather than followed, repeated headers and compressed bodies kept intact.
import { gunzipSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { send } from './client.ts'
import { config, startOrigin, startPortico, type RunningOrigin, type RunningPortico } from './harness.ts'

const PUBLIC_HOST = 'www.example.test'
const PUBLIC = `http://${PUBLIC_HOST}`

let origin: RunningOrigin
let portico: RunningPortico

beforeAll(async () => {
  origin = await startOrigin('responses')
  portico = await startPortico(
    config({
      forwarding: { hideResponseHeaders: ['X-Origin-Name'] },
      routes: [
        { name: 'stripped', match: { path: '/app' }, rewrite: { stripPrefix: true }, upstream: origin.url },
        { name: 'replaced', match: { path: '/v2' }, rewrite: { replacePrefix: '/v1' }, upstream: origin.url },
        { name: 'based', match: { path: '/shop' }, rewrite: { stripPrefix: true }, upstream: `${origin.url}/base` },
        { name: 'plain', upstream: origin.url },
      ],
    }),
  )
})
afterAll(async () => {
  await portico?.close()
  await origin?.close()
})

/** GET `path` on the public host; the origin's response headers come from `h` ("Name: value"). */
function get(path: string, ...h: string[]) {
  const query = h.map((x) => `h=${encodeURIComponent(x)}`).join('&')
  return send(portico.at(query ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path), { headers: { host: PUBLIC_HOST } })
}

describe('Location and Content-Location', () => {
  it('rewrites a Location naming the origin to the public host', async () => {
    const res = await get('/redirect?to=/echo/next')
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`${PUBLIC}/echo/next`)
    expect(res.headers['content-location']).toBe(`${PUBLIC}/redirect`)
  })

  it('puts a stripped prefix back in front of a Location naming the origin', async () => {
    const res = await get('/app/redirect?to=/echo/next%3Fpage%3D2')
    expect(res.status).toBe(302)
    expect(res.headers.location).toBe(`${PUBLIC}/app/echo/next?page=2`)
    expect(res.headers['content-location']).toBe(`${PUBLIC}/app/redirect`)
  })

  it('puts a stripped prefix back in front of a path-absolute Location', async () => {
    const res = await get('/app/relative-redirect?to=/login%3Fnext%3D%2Fhome')
    expect(res.status).toBe(301)
    expect(res.headers.location).toBe('/app/login?next=/home')
  })

  it('maps a replaced prefix back in Location and Content-Location', async () => {
    const res = await get('/v2/reply?status=303', 'Location: {origin}/v1/items/7#top', 'Content-Location: /v1/items/7')
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe(`${PUBLIC}/v2/items/7#top`)
    expect(res.headers['content-location']).toBe('/v2/items/7')
  })

  it("maps the upstream's base path back to the route's prefix", async () => {
    const res = await get('/shop/reply?status=302', 'Location: {origin}/base/cart', 'Content-Location: /base/cart/1')
    expect(res.headers.location).toBe(`${PUBLIC}/shop/cart`)
    expect(res.headers['content-location']).toBe('/shop/cart/1')
  })

  it('leaves a Location pointing at another site alone', async () => {
    const res = await get('/app/reply?status=302', 'Location: https://accounts.example.org/login?return=1')
    expect(res.headers.location).toBe('https://accounts.example.org/login?return=1')
  })

  it('hands an origin redirect to the client instead of following it', async () => {
    const before = origin.seen.length
    const res = await fetch(portico.at('/redirect?to=/echo/followed'), { redirect: 'manual' })
    expect(res.status).toBe(302)
    expect(res.headers.get('location')).toBe(portico.at('/echo/followed'))
    await res.body?.cancel()
    expect(origin.seen.slice(before).map((r) => r.url)).toEqual(['/redirect?to=/echo/followed'])
  })
})

describe('Set-Cookie', () => {
  it('keeps every Set-Cookie separate', async () => {
    const res = await fetch(portico.at('/cookies'))
    const cookies = res.headers.getSetCookie()
    expect(cookies).toHaveLength(3)
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['session', 'theme', 'plain'])
    await res.body?.cancel()
  })

  it('rewrites a cookie Domain naming the origin host to the public host', async () => {
    const res = await get('/cookies')
    expect(res.headers['set-cookie']).toEqual([`session=abc; Domain=${PUBLIC_HOST}; Path=/; HttpOnly`, 'theme=dark; Path=/echo; SameSite=Lax', 'plain=1'])
  })

  it('maps cookie Paths under a stripped prefix', async () => {
    const res = await get('/app/cookies')
    expect(res.headers['set-cookie']).toEqual([`session=abc; Domain=${PUBLIC_HOST}; Path=/app; HttpOnly`, 'theme=dark; Path=/app/echo; SameSite=Lax', 'plain=1'])
  })

  it('maps cookie Paths under a replaced prefix and leaves others alone', async () => {
    const res = await get('/v2/reply', 'Set-Cookie: a=1; Path=/v1/account', 'Set-Cookie: b=2; Path=/elsewhere', 'Set-Cookie: c=3; Domain=cdn.example.org')
    expect(res.headers['set-cookie']).toEqual(['a=1; Path=/v2/account', 'b=2; Path=/elsewhere', 'c=3; Domain=cdn.example.org'])
  })
})

describe('headers from the origin', () => {
  it('hides Server and X-Powered-By', async () => {
    const direct = await send(`${origin.url}/echo`)
    expect(direct.headers.server).toBeDefined() // the origin does send them
    expect(direct.headers['x-powered-by']).toBeDefined()
    const res = await get('/echo')
    expect(res.status).toBe(200)
    expect(res.headers.server).toBeUndefined()
    expect(res.headers['x-powered-by']).toBeUndefined()
  })

  it('hides the headers listed in forwarding.hideResponseHeaders', async () => {
    const res = await get('/reply', 'X-Origin-Name: secret-box-7', 'X-Kept: yes')
    expect(res.headers['x-origin-name']).toBeUndefined()
    expect(res.headers['x-kept']).toBe('yes')
  })

  it('keeps every value of a repeated origin header', async () => {
    const res = await get('/reply', 'X-Multi: first', 'X-Multi: second', 'Link: </a.css>; rel=preload', 'Link: </b.js>; rel=preload')
    expect(res.headers['x-multi']).toBe('first, second')
    expect(res.headers.link).toBe('</a.css>; rel=preload, </b.js>; rel=preload')
  })

  it('passes an unusual origin status and its body unchanged', async () => {
    const res = await get('/status/418')
    expect(res.status).toBe(418)
    expect(res.body.toString()).toBe('status 418 from responses\n')
  })
})

describe('compressed bodies', () => {
  it("passes an origin's gzip body through byte for byte", async () => {
    const text = 'compressed by the origin responses\n'.repeat(50)
    const res = await send(portico.at('/gzip'), { headers: { 'accept-encoding': 'gzip' } })
    expect(res.status).toBe(200)
    expect(res.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(res.body).toString()).toBe(text)
    expect(res.body.equals(gzipSync(Buffer.from(text)))).toBe(true) // the origin's bytes, not a re-encoding
  })
})
