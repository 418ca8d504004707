import { describe, expect, it } from 'vitest'
import type { Upstream } from '../config/index.ts'
import { targetFor } from './stage.ts'

const urlUpstream = (raw: string): Upstream => {
  const u = new URL(raw)
  return { id: 't/0', key: u.origin, kind: 'url', origin: u.origin, basePath: u.pathname.replace(/\/+$/, ''), hostname: u.hostname, host: u.host, weight: 1 }
}
const service: Upstream = { id: 't/0', key: 'service:API', kind: 'service', binding: 'API', weight: 1 }

describe('targetFor: URL upstreams', () => {
  it.each<[string, string, string, string, string, { url: string; resolveOverride?: string }]>([
    // what, upstream, path+search, host mode, public host → target
    ['fetches the upstream as written in origin mode', 'https://origin.internal', '/x?q=1', 'origin', 'www.example.com', { url: 'https://origin.internal/x?q=1' }],
    ['keeps the upstream port in origin mode', 'http://127.0.0.1:8080', '/x', 'origin', 'www.example.com', { url: 'http://127.0.0.1:8080/x' }],
    ['puts the path under the upstream base path', 'https://origin.internal/app/', '/x', 'origin', 'www.example.com', { url: 'https://origin.internal/app/x' }],
    ['sends the client host and connects to the upstream in preserve mode', 'https://origin.internal', '/x', 'preserve', 'www.example.com', { url: 'https://www.example.com/x', resolveOverride: 'origin.internal' }],
    ['drops the public port but keeps the upstream port in preserve mode', 'http://origin.internal:8080/app', '/x', 'preserve', 'www.example.com:8443', { url: 'http://www.example.com:8080/app/x', resolveOverride: 'origin.internal' }],
    ['sends a fixed host and connects to the upstream', 'https://origin.internal', '/x?a', 'api.example.com', 'www.example.com', { url: 'https://api.example.com/x?a', resolveOverride: 'origin.internal' }],
    ['keeps its own host for an IPv4 upstream in preserve mode', 'http://127.0.0.1:8080', '/x', 'preserve', 'www.example.com', { url: 'http://127.0.0.1:8080/x' }],
    ['keeps its own host for a localhost upstream with a fixed host', 'http://localhost:8080', '/x', 'api.example.com', 'www.example.com', { url: 'http://localhost:8080/x' }],
    ['keeps its own host for an IPv6 upstream in preserve mode', 'http://[::1]:8080', '/x', 'preserve', 'www.example.com', { url: 'http://[::1]:8080/x' }],
  ])('%s', (_what, upstream, pathAndSearch, mode, publicHost, want) => {
    const [path = '', search = ''] = pathAndSearch.split(/(?=\?)/)
    expect(targetFor(urlUpstream(upstream), path, search, mode, publicHost)).toEqual(want)
  })
})

describe('targetFor: service upstreams', () => {
  it.each([
    ['origin', 'www.example.com:8443', 'https://www.example.com:8443/x?q'],
    ['preserve', 'www.example.com:8443', 'https://www.example.com/x?q'],
    ['auth.internal', 'www.example.com', 'https://auth.internal/x?q'],
  ])('in %s mode with public host %s fetches %s from the binding', (mode, publicHost, url) => {
    expect(targetFor(service, '/x', '?q', mode, publicHost)).toEqual({ url })
  })
})
