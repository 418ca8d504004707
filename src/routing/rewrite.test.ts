import { describe, expect, it } from 'vitest'
import { fillTemplate, joinPath, patternParams, rewritePath, stripSegmentPrefix, templateNames, unrewritePath, type PathRewrite } from './rewrite.ts'

const strip = (from: string): PathRewrite => ({ kind: 'prefix', from, to: '' })
const replace = (from: string, to: string): PathRewrite => ({ kind: 'prefix', from, to })

describe('rewritePath', () => {
  it.each([
    // [rewrite, public path, origin path]
    [{ kind: 'none' }, '/api/users', '/api/users'],
    [strip('/api'), '/api/users', '/users'],
    [strip('/api'), '/api/users/7/posts', '/users/7/posts'],
    [strip('/api'), '/api', '/'],
    [strip('/api'), '/api/', '/'],
    [replace('/api', '/v2'), '/api/users', '/v2/users'],
    [replace('/api', '/v2'), '/api', '/v2'],
    [replace('/api/v1', '/internal/v2'), '/api/v1/x', '/internal/v2/x'],
    [replace('/', '/v2'), '/users', '/v2/users'],
    [strip('/'), '/users', '/users'],
  ] as Array<[PathRewrite, string, string]>)('%j maps %s to %s at the origin', (rw, path, want) => {
    expect(rewritePath(rw, path, {})).toBe(want)
  })

  it('fills a template with pattern parameters', () => {
    expect(rewritePath({ kind: 'template', template: '/v2/users/{id}/profile' }, '/u/42', { id: '42' })).toBe('/v2/users/42/profile')
  })
})

describe('unrewritePath', () => {
  it.each([
    [{ kind: 'none' }, '/x', '/x'],
    [strip('/api'), '/users', '/api/users'],
    [strip('/api'), '/', '/api/'],
    [replace('/api', '/v2'), '/v2/users', '/api/users'],
    [replace('/api', '/v2'), '/v2', '/api'],
    [replace('/', '/v2'), '/v2/users', '/users'],
    [replace('/', '/v2'), '/v2', '/'],
  ] as Array<[PathRewrite, string, string]>)('%j maps origin path %s back to %s', (rw, originPath, want) => {
    expect(unrewritePath(rw, originPath)).toBe(want)
  })

  it.each([
    [replace('/api', '/v2'), '/v3/users'],
    [replace('/api', '/v2'), '/v2x'], // not on a segment boundary
    [replace('/', '/v2'), '/other'],
    [{ kind: 'template', template: '/u/{id}' }, '/u/1'], // a template cannot be reversed
  ] as Array<[PathRewrite, string]>)('%j leaves origin path %s outside the route alone (undefined)', (rw, originPath) => {
    expect(unrewritePath(rw, originPath)).toBeUndefined()
  })

  it.each([
    [strip('/api'), ['/api/users', '/api/users/7', '/api/a/b/c/']],
    [replace('/api', '/v2'), ['/api', '/api/users', '/api/users/7']],
    [replace('/shop/eu', '/store'), ['/shop/eu', '/shop/eu/cart', '/shop/eu/cart/']],
    [replace('/', '/base'), ['/', '/users', '/a/b']],
  ] as Array<[PathRewrite, string[]]>)('round-trips public paths through %j', (rw, paths) => {
    for (const path of paths) expect(unrewritePath(rw, rewritePath(rw, path, {})), path).toBe(path)
  })
})

describe('stripSegmentPrefix', () => {
  it.each([
    ['/api/x', '/api', '/x'],
    ['/api', '/api', ''],
    ['/apix', '/api', undefined],
    ['/other', '/api', undefined],
    ['/x', '', '/x'],
    ['/x', '/', '/x'],
  ])('strips %s less %s to %s', (path, prefix, want) => {
    expect(stripSegmentPrefix(path, prefix)).toBe(want)
  })
})

describe('joinPath', () => {
  it.each([
    ['/a', '/b', '/a/b'],
    ['/a/', '/b', '/a/b'],
    ['/a', 'b', '/a/b'],
    ['/a/', 'b', '/a/b'],
    ['/a', '', '/a'],
    ['', '/b', '/b'],
    ['', '', ''],
    ['/', '/', '/'],
    ['/base', '/', '/base/'],
  ])('joins %j and %j as %j', (base, rest, want) => {
    expect(joinPath(base, rest)).toBe(want)
  })
})

describe('templates', () => {
  it('fills every placeholder it has a value for and leaves the others visible', () => {
    expect(fillTemplate('https://{host}/new{path}{query}', { host: 'a.com', path: '/x', query: '?q=1' })).toBe('https://a.com/new/x?q=1')
    expect(fillTemplate('/{a}/{a}/{missing}', { a: '1' })).toBe('/1/1/{missing}')
  })

  it('does not treat malformed braces as placeholders', () => {
    expect(fillTemplate('/{1bad}/{}/{ok}', { ok: 'y' })).toBe('/{1bad}/{}/y')
    expect(templateNames('/{1bad}/{}/{ok}')).toEqual(['ok'])
  })

  it('lists the placeholder names a template uses', () => {
    expect(templateNames('/{a}/x/{b_2}{query}')).toEqual(['a', 'b_2', 'query'])
    expect(templateNames('/plain')).toEqual([])
  })
})

describe('patternParams', () => {
  it.each([
    ['/users/:id', ['id']],
    ['/users/:id{[0-9]+}', ['id']],
    ['/a/:x/b/:y', ['x', 'y']],
    ['/files/:name{.+\\.png}', ['name']],
    ['/docs/*', []],
    ['/static', []],
  ])('declares %s → %j', (pattern, want) => {
    expect(patternParams(pattern)).toEqual(want)
  })
})
