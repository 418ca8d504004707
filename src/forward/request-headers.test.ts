import { describe, expect, it } from 'vitest'
import { appendVia, applyHeaderOps, forwardedElement, HOP_BY_HOP_HEADERS, isLoop, setForwardingHeaders, stripHopByHop, takeMaxForwards, viaProtocol, type ClientFacts } from './request-headers.ts'

const client = (over: Partial<ClientFacts> = {}): ClientFacts => ({ ip: '203.0.113.7', proto: 'https', host: 'www.example.com', protocolVersion: '2', ...over })
const names = (h: Headers) => [...h.keys()].sort()

describe('stripHopByHop', () => {
  it('removes every hop-by-hop header', () => {
    const h = new Headers(Object.fromEntries(HOP_BY_HOP_HEADERS.map((n) => [n, 'x'])))
    h.set('accept', 'text/html')
    stripHopByHop(h)
    expect(names(h)).toEqual(['accept'])
  })

  it('removes the headers the Connection header names, in any case and spacing', () => {
    const h = new Headers({ connection: 'close, X-Secret ,x-other', 'x-secret': '1', 'x-other': '2', 'x-kept': '3' })
    stripHopByHop(h)
    expect(names(h)).toEqual(['x-kept'])
  })

  it('keeps Upgrade and Connection for a WebSocket upgrade, but still drops what Connection names', () => {
    const h = new Headers({ connection: 'Upgrade, X-Secret', upgrade: 'websocket', 'x-secret': '1', 'keep-alive': 'timeout=5', 'sec-websocket-key': 'k' })
    stripHopByHop(h, true)
    expect(names(h)).toEqual(['connection', 'sec-websocket-key', 'upgrade'])
  })

  it('drops Upgrade when the request is not an upgrade', () => {
    const h = new Headers({ connection: 'Upgrade', upgrade: 'h2c' })
    stripHopByHop(h)
    expect(names(h)).toEqual([])
  })
})

describe('setForwardingHeaders', () => {
  const forged = { 'x-forwarded-for': '6.6.6.6', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example', forwarded: 'for=6.6.6.6', 'x-real-ip': '6.6.6.6' }

  it('replaces forwarding headers a client could forge with what Portico saw', () => {
    const h = new Headers(forged)
    setForwardingHeaders(h, client(), { trustIncoming: false, via: 'portico' })
    expect(Object.fromEntries(h)).toEqual({
      'x-forwarded-for': '203.0.113.7',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'www.example.com',
      forwarded: 'for=203.0.113.7;host=www.example.com;proto=https',
    })
  })

  it('appends to the chain from a trusted hop in front', () => {
    const h = new Headers(forged)
    setForwardingHeaders(h, client(), { trustIncoming: true, via: 'portico' })
    expect(Object.fromEntries(h)).toEqual({
      'x-forwarded-for': '6.6.6.6, 203.0.113.7',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'evil.example',
      forwarded: 'for=6.6.6.6, for=203.0.113.7;host=www.example.com;proto=https',
    })
  })

  it('keeps a trusted chain when the client address is unknown, and says for=unknown', () => {
    const h = new Headers({ 'x-forwarded-for': '198.51.100.1' })
    setForwardingHeaders(h, client({ ip: undefined }), { trustIncoming: true, via: 'portico' })
    expect(h.get('x-forwarded-for')).toBe('198.51.100.1')
    expect(h.get('forwarded')).toBe('for=unknown;host=www.example.com;proto=https')
  })

  it('sends no X-Forwarded-For at all when the address is unknown and nothing is trusted', () => {
    const h = new Headers(forged)
    setForwardingHeaders(h, client({ ip: undefined }), { trustIncoming: false, via: 'portico' })
    expect(h.has('x-forwarded-for')).toBe(false)
    expect(h.has('x-real-ip')).toBe(false)
  })
})

describe('forwardedElement (RFC 7239)', () => {
  it.each([
    [client(), 'for=203.0.113.7;host=www.example.com;proto=https'],
    [client({ ip: '2001:db8::1' }), 'for="[2001:db8::1]";host=www.example.com;proto=https'],
    [client({ host: 'www.example.com:8443' }), 'for=203.0.113.7;host="www.example.com:8443";proto=https'],
    [client({ host: '[::1]:8080', proto: 'http' }), 'for=203.0.113.7;host="[::1]:8080";proto=http'],
    [client({ ip: undefined }), 'for=unknown;host=www.example.com;proto=https'],
  ])('writes %j as %s', (c, want) => {
    expect(forwardedElement(c)).toBe(want)
  })
})

describe('Via', () => {
  it.each([
    [null, '2', '2 portico'],
    ['1.0 fred, 1.1 p.example.net', '1.1', '1.0 fred, 1.1 p.example.net, 1.1 portico'],
  ])('appends to Via %j for protocol %s', (prior, version, want) => {
    const h = new Headers(prior ? { via: prior } : {})
    appendVia(h, version, 'portico')
    expect(h.get('via')).toBe(want)
  })

  it('adds nothing when Via is switched off', () => {
    const h = new Headers()
    appendVia(h, '1.1', false)
    expect(h.has('via')).toBe(false)
  })

  it.each([
    ['1.1 portico', true],
    ['1.1 Portico', true],
    ['1.0 fred, 2 portico', true],
    ['1.1 portico (Portico/1.0)', true],
    ['  1.1   portico  ', true],
    ['1.1 portico-edge', false],
    ['1.1 fred', false],
    ['portico', false], // the pseudonym is the second word; "portico" alone is a protocol
    ['', false],
  ] as const)('treats Via %j as a loop: %s', (via, want) => {
    expect(isLoop(via, 'portico')).toBe(want)
  })

  it('never reports a loop without Via or with Via switched off', () => {
    expect(isLoop(null, 'portico')).toBe(false)
    expect(isLoop('1.1 portico', false)).toBe(false)
  })

  it.each([
    ['HTTP/1.1', '1.1'],
    ['HTTP/2', '2'],
    ['HTTP/3', '3'],
    ['HTTP/1.0', '1.0'],
    ['http/2', '2'],
    ['h2', '1.1'],
    [undefined, '1.1'],
    ['', '1.1'],
  ])('turns cf.httpProtocol %j into Via version %s', (input, want) => {
    expect(viaProtocol(input)).toBe(want)
  })
})

describe('takeMaxForwards (RFC 9110 section 7.6.2)', () => {
  it.each([
    // method, incoming Max-Forwards, proxy answers itself?, Max-Forwards sent on
    ['OPTIONS', '0', true, '0'],
    ['TRACE', '0', true, '0'],
    ['OPTIONS', '5', false, '4'],
    ['TRACE', '1', false, '0'],
    ['OPTIONS', ' 3 ', false, '2'],
    ['OPTIONS', 'abc', false, null], // invalid: ignored and not passed on
    ['OPTIONS', '-1', false, null],
    ['OPTIONS', '1.5', false, null],
    ['GET', '0', false, '0'], // only OPTIONS and TRACE are counted
    ['POST', '5', false, '5'],
  ] as const)('%s with Max-Forwards %j: answers itself %s, forwards %j', (method, value, answers, forwarded) => {
    const h = new Headers({ 'max-forwards': value })
    expect(takeMaxForwards(method, h)).toBe(answers)
    expect(h.get('max-forwards')).toBe(forwarded)
  })

  it('forwards OPTIONS without Max-Forwards untouched', () => {
    const h = new Headers()
    expect(takeMaxForwards('OPTIONS', h)).toBe(false)
    expect(h.has('max-forwards')).toBe(false)
  })
})

describe('applyHeaderOps', () => {
  it('removes, then sets, so a set header always arrives', () => {
    const h = new Headers({ cookie: 'a=1', 'x-a': 'client', 'x-keep': '1' })
    applyHeaderOps(h, { remove: ['cookie', 'x-a'], set: [['x-a', 'proxy'], ['x-new', 'n']] })
    expect(Object.fromEntries(h)).toEqual({ 'x-a': 'proxy', 'x-keep': '1', 'x-new': 'n' })
  })

  it('replaces every value of a repeated header', () => {
    const h = new Headers()
    h.append('x-a', '1')
    h.append('x-a', '2')
    applyHeaderOps(h, { remove: [], set: [['x-a', '3']] })
    expect(h.get('x-a')).toBe('3')
  })
})
