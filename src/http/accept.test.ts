import { describe, expect, it } from 'vitest'
import { prefersHtml } from './accept.ts'

describe('prefersHtml', () => {
  it.each([
    ['a browser page load (Chrome, Firefox)', 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8', true],
    ['Safari', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true],
    ['curl', '*/*', false],
    ['no Accept header', null, false],
    ['an empty Accept header', '', false],
    ['an API client', 'application/json', false],
    ['a problem-aware client', 'application/problem+json, application/json;q=0.9', false],
    ['a client preferring JSON over HTML', 'application/json, text/html;q=0.5', false],
    ['a client preferring HTML over JSON', 'application/json;q=0.5, text/html', true],
    ['equal preference (JSON stays the default)', 'text/html, application/json', false],
    ['application/* against HTML at lower q', 'application/*, text/html;q=0.9', false],
    ['upper-case media type', 'TEXT/HTML', true],
    ['fetch() default', '*/*', false],
  ])('%s → %s', (_who, accept, want) => {
    expect(prefersHtml(accept)).toBe(want)
  })
})
