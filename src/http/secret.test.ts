import { describe, expect, it } from 'vitest'
import { sameSecret } from './secret.ts'

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
