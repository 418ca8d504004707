import { describe, expect, it } from 'vitest'
import { hex } from './bytes.ts'
import { sha256, sha256Hex } from './digest.ts'

describe('sha256 and sha256Hex', () => {
  it('gives the FIPS 180-2 digest of "abc", whole or its first bytes', async () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    expect(await sha256Hex('abc')).toBe(abc)
    expect(await sha256Hex('abc', 16)).toBe(abc.slice(0, 32))
    expect(hex(await sha256('abc'))).toBe(abc)
  })
})

describe('hex', () => {
  it('writes each byte as two lower-case digits, over the range asked for', () => {
    const bytes = new Uint8Array([0, 1, 0x0f, 0xa0, 0xff])
    expect(hex(bytes)).toBe('00010fa0ff')
    expect(hex(bytes, 1, 4)).toBe('010fa0')
    expect(hex(bytes, 2, 2)).toBe('')
  })
})
