import { describe, expect, it } from 'vitest'
import { escapeHtml, problem } from './problem.ts'

const BROWSER = 'text/html,application/xhtml+xml,*/*;q=0.8'

describe('problem', () => {
  it('answers RFC 9457 problem+json with a urn:portico type, never cached', async () => {
    const res = problem(404, 'no-route', { detail: 'No route serves this host and path.' })
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(await res.json()).toEqual({ type: 'urn:portico:no-route', title: 'Not Found', status: 404, detail: 'No route serves this host and path.' })
  })

  it('leaves detail out when there is none and uses a given title', async () => {
    const res = problem(500, 'config-invalid', { title: 'Configuration is invalid' })
    expect(await res.json()).toEqual({ type: 'urn:portico:config-invalid', title: 'Configuration is invalid', status: 500 })
  })

  it('adds extension members and extra headers', async () => {
    const res = problem(405, 'method-not-allowed', { extra: { errors: [{ path: 'a', message: 'b' }] }, headers: { Allow: 'GET, HEAD' } })
    expect(res.headers.get('allow')).toBe('GET, HEAD')
    expect(await res.json()).toMatchObject({ status: 405, errors: [{ path: 'a', message: 'b' }] })
  })

  it.each([
    [401, 'Unauthorized'],
    [502, 'Bad Gateway'],
    [504, 'Gateway Timeout'],
    [508, 'Loop Detected'],
    [418, 'Error'],
  ])('titles status %i "%s"', async (status, title) => {
    expect(await problem(status, 'x').json()).toMatchObject({ title })
  })

  it('answers a browser with a small HTML page, still not cached', async () => {
    const res = problem(502, 'upstream-unreachable', { detail: 'The origin could not be reached.', accept: BROWSER })
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const html = await res.text()
    expect(html).toContain('<h1>502 Bad Gateway</h1>')
    expect(html).toContain('<p>The origin could not be reached.</p>')
  })

  it('escapes everything it puts into HTML, including the config errors', async () => {
    const res = problem(500, 'config-invalid', {
      detail: '<script>alert(1)</script>',
      extra: { errors: [{ path: 'routes[0].match.host', message: `'<img src=x onerror=alert(1)>' is not "a host" & more` }] },
      accept: BROWSER,
    })
    const html = await res.text()
    expect(html).not.toContain('<script>')
    expect(html).not.toContain('<img')
    expect(html).toContain('&#60;script&#62;alert(1)&#60;/script&#62;')
    expect(html).toContain('<li><code>routes[0].match.host</code>: &#39;&#60;img src=x onerror=alert(1)&#62;&#39; is not &#34;a host&#34; &#38; more</li>')
  })
})

describe('escapeHtml', () => {
  it('escapes the five characters that matter in HTML text and attributes', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&#60;a href=&#34;x&#34;&#62;&#39;&#38;&#39;&#60;/a&#62;')
  })
})
