import { describe, expect, it } from 'vitest'
import { isAdminPath } from './index.ts'

describe('isAdminPath: which requests the admin API gets (the rest are proxied)', () => {
  it.each([
    ['https://www.example.com/_portico', true],
    ['https://www.example.com/_portico/', true],
    ['https://www.example.com/_portico/status', true],
    ['https://www.example.com/_portico?x=1', true],
    ['http://127.0.0.1:8787/_portico/metrics', true],
    ['https://www.example.com/_porticox', false], // a whole segment only
    ['https://www.example.com/app/_portico/status', false],
    ['https://www.example.com/', false],
    ['https://www.example.com/?/_portico', false],
    ['https://_portico.example.com/', false],
  ])('%s → %s', (url, admin) => {
    expect(isAdminPath(url)).toBe(admin)
  })
})
