import { describe, expect, it } from 'vitest'
import { pooledRandomBytes } from './random.ts'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('')

describe('pooledRandomBytes', () => {
  it('hands out fresh bytes on every call, across refills of the pool', () => {
    // 1,000 draws of 24 bytes span six fills of the 4 KiB pool; a byte handed out twice would repeat an id.
    const seen = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const bytes = pooledRandomBytes(24)
      expect(bytes.length).toBe(24)
      seen.add(hex(bytes))
    }
    expect(seen.size).toBe(1000)
  })

  it('gives a draw that does not fit in what is left of the pool whole, from a new fill', () => {
    const big = hex(pooledRandomBytes(4000))
    const next = hex(pooledRandomBytes(200))
    expect(next.length).toBe(400)
    expect(big.includes(next)).toBe(false)
  })

  it('refuses more than the pool holds, with the limit in the message', () => {
    expect(() => pooledRandomBytes(4097)).toThrow(/at most 4096 bytes/)
  })
})
