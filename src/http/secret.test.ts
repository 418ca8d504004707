import { describe, expect, it } from 'vitest'
import { digestsEqual, sameSecret } from './secret.ts'

describe('sameSecret', () => {
  it.each([
    ['s3cret-token', 's3cret-token', true],
    ['s3cret-token ', 's3cret-token', false],
    ['s3cret-toke', 's3cret-token', false],
    ['S3CRET-TOKEN', 's3cret-token', false],
    ['', 's3cret-token', false],
    ['', '', false], // an empty configured secret never matches
  ])('judges %j against %j: %s', async (presented, expected, want) => {
    expect(await sameSecret(presented, expected)).toBe(want)
  })
})

describe('constant-time comparison', () => {
  it('compares digests without an early exit and secrets of any length', async () => {
    expect(digestsEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true)
    expect(digestsEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false)
    expect(digestsEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false)
    expect(await sameSecret('s'.repeat(10_000), 's'.repeat(10_000))).toBe(true)
    expect(await sameSecret('short', 's'.repeat(10_000))).toBe(false)
  })
})
