import { describe, expect, it } from 'vitest'
import { requestIdFor } from './request-id.ts'

const fresh = () => 'fresh-id'

describe('requestIdFor', () => {
  it.each([
    ['abc-123', true, 'abc-123'],
    ['req_1.2:3', true, 'req_1.2:3'],
    ['x'.repeat(128), true, 'x'.repeat(128)],
    ['x'.repeat(129), true, 'fresh-id'], // too long
    ['', true, 'fresh-id'],
    ['has space', true, 'fresh-id'],
    ['inject\r\nx: y', true, 'fresh-id'],
    ['<script>', true, 'fresh-id'],
    [null, true, 'fresh-id'],
    ['abc-123', false, 'fresh-id'], // incoming ids switched off
  ] as const)('for incoming %j (accept incoming: %s) uses %j', (incoming, accept, want) => {
    expect(requestIdFor(incoming, accept, fresh)).toBe(want)
  })
})
