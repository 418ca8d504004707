import { describe, expect, it } from 'vitest'
import { RouteTable, type RouteMatch } from './match.ts'

const table = (...matches: RouteMatch[]) => new RouteTable(matches.map((match, index) => ({ index, match })))
const req = (host: string, path: string, method = 'GET', headers: Record<string, string> = {}) => ({ host, path, method, headers: new Headers(headers) })

describe('RouteTable', () => {
  it('takes the first route in config order that fits', () => {
    const t = table({ path: '/api' }, { path: '/' })
    expect(t.match(req('a.com', '/api/x'))).toMatchObject({ kind: 'route', route: { index: 0 } })
    expect(t.match(req('a.com', '/apix'))).toMatchObject({ kind: 'route', route: { index: 1 } })
  })
})
