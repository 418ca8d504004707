import { describe, expect, it } from 'vitest'
import type { CompiledPool, Upstream } from '../config/index.ts'
import { pickUpstream } from './index.ts'

const up = (id: string, weight = 1): Upstream => ({ id, kind: 'url', origin: `https://${id}.internal`, basePath: '', hostname: `${id}.internal`, host: `${id}.internal`, weight })

describe('pickUpstream', () => {
  it('answers undefined for a pool without upstreams', () => {
    expect(pickUpstream({ name: 'empty', upstreams: [] })).toBeUndefined()
  })

  it('always picks the only upstream', () => {
    const pool: CompiledPool = { name: 'one', upstreams: [up('a', 5)] }
    expect([1, 2, 3].map(() => pickUpstream(pool)?.id)).toEqual(['a', 'a', 'a'])
  })

  it('keeps each pool\'s rotation apart', () => {
    const p1: CompiledPool = { name: 'p1', upstreams: [up('a', 2), up('b')] }
    const p2: CompiledPool = { name: 'p2', upstreams: [up('x'), up('y')] }
    const seen: string[] = []
    for (let i = 0; i < 3; i++) seen.push(pickUpstream(p1)?.id ?? '-', pickUpstream(p2)?.id ?? '-')
    expect(seen).toEqual(['a', 'x', 'b', 'y', 'a', 'x'])
  })
})
