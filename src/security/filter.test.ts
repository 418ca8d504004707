import { describe, expect, it } from 'vitest'
import { bundledRules, compilePattern, decodeForInspection, inspectRequest, parseTarget, type FilterPolicy, type FilterRule } from './filter.ts'
import { BUNDLED_RULES } from './rules.ts'

const bundled: FilterPolicy = { rules: bundledRules(['sqli', 'xss'], 'block'), bodyPrefixBytes: 8192 }
const inQuery = (q: string) => inspectRequest({ path: '/search', query: q, headers: new Headers() }, bundled).block
const inBody = (body: string) => inspectRequest({ path: '/', query: '', headers: new Headers(), body }, bundled).block

describe('bundled rules: SQL injection and XSS probes are blocked', () => {
  it.each([
    ["q=' OR '1'='1", 'sqli-tautology'],
    ["id=1' or 1=1--", 'sqli-tautology'],
    ['id=1 OR 1=1', 'sqli-numeric-tautology'],
    ["user=admin'--", 'sqli-comment-out'],
    ["user=admin'#", 'sqli-comment-out'],
    ['id=1 UNION SELECT username, password FROM users', 'sqli-union-select'],
    ['id=1+union+all+select+1,2,3', 'sqli-union-select'],
    ['id=1/**/UnIoN/**/SeLeCt/**/1', 'sqli-union-select'],
    ['id=1%20UNION%20SELECT%201', 'sqli-union-select'],
    ['id=1%2520UNION%2520SELECT%25201', 'sqli-union-select'],
    ['id=1; DROP TABLE users', 'sqli-stacked-query'],
    ["id=1'; exec xp_cmdshell 'dir'", 'sqli-stacked-query'],
    ['id=1 AND SLEEP(5)', 'sqli-probe-functions'],
    ["id=1;waitfor delay '0:0:5'", 'sqli-probe-functions'],
    ['id=1 and 1=(select 1 from information_schema.tables)', 'sqli-probe-functions'],
    ['q=<script>alert(1)</script>', 'xss-script-tag'],
    ['q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'xss-script-tag'],
    ['q=%253Cscript%253E', 'xss-script-tag'],
    ['q=<ScRiPt src=//evil.example>', 'xss-script-tag'],
    ['q=<img src=x onerror=alert(1)>', 'xss-event-handler'],
    ['q=<svg/onload=alert(1)>', 'xss-event-handler'],
    ['q=<body onpageshow="alert(1)">', 'xss-event-handler'],
    ['next=javascript:alert(document.cookie)', 'xss-script-uri'],
    ['next=JaVaScRiPt:alert(1)', 'xss-script-uri'],
    ['q=<iframe src=//evil.example>', 'xss-embedding-tag'],
    ['u=data:text/html;base64,PHNjcmlwdD4=', 'xss-data-html'],
  ])('%s → %s', (query, rule) => {
    expect(inQuery(query)?.rule).toBe(rule)
  })

  it('looks at the path and the body prefix too', () => {
    expect(inspectRequest({ path: '/items/1%27%20or%20%271%27=%271', query: '', headers: new Headers() }, bundled).block?.target).toBe('path')
    expect(inBody('comment=<script>steal()</script>')?.target).toBe('body')
    expect(inBody('{"name":"x\' OR \'a\'=\'a"}')?.rule).toBe('sqli-tautology')
  })
})

describe('bundled rules: look-alikes in ordinary text pass', () => {
  it.each([
    "name=O'Reilly",
    "q=rock 'n' roll and more",
    'q=union station to select bus',
    'q=the union; select a seat',
    'q=a < b and c > d',
    'q=one=1&two=2',
    'q=javascript: the good parts',
    'q=how much sleep (8 hours?)',
    'title=Bobby Tables; update me later',
    'q=<b>bold</b> and <i>italic</i>',
    'q=C# or F#',
    'q=select * from my wishlist',
    'email=ann.or@example.com',
    'q=data: text and figures',
    "q=it's or not",
    'q=100% pure',
    'q=orange and lemon = fruit',
  ])('%s', (query) => {
    expect(inQuery(query)).toBeUndefined()
  })
})

describe('rules', () => {
  it('compiles every bundled rule', () => {
    for (const r of BUNDLED_RULES) expect(compilePattern(r.pattern).ok, r.id).toBe(true)
  })

  it('refuses patterns RE2 cannot run in linear time, with a message', () => {
    expect(compilePattern('(a)\\1')).toMatchObject({ ok: false, message: expect.stringContaining('RE2') })
    expect(compilePattern('a(?=b)').ok).toBe(false)
    expect(compilePattern('[').ok).toBe(false)
  })

  // workerd's clock stands still while code runs, so these cannot time themselves: a backtracking
  // engine would run for hours here and fail by the test timeout instead.
  it('matches catastrophic-backtracking patterns in linear time', () => {
    const evil = compilePattern('^(a+)+$')
    const nested = compilePattern('(x+x+)+y')
    if (!evil.ok || !nested.ok) throw new Error('should compile')
    expect(evil.test('a'.repeat(50_000) + '!')).toBe(false)
    expect(nested.test('x'.repeat(50_000))).toBe(false)
  })

  it('runs the bundled rules over 64 KiB of pathological input', () => {
    const inputs = ["'".repeat(65_536), '<'.repeat(65_536), 'union '.repeat(10_000), '/*'.repeat(30_000), "' or ".repeat(10_000), '<a '.repeat(20_000)]
    for (const body of inputs) inspectRequest({ path: '/', query: body, headers: new Headers(), body }, bundled)
  })

  it('looks at the targets a rule names, case-insensitively unless told', () => {
    const ua = compilePattern('sqlmap|nikto')
    const exact = compilePattern('^/Admin', true)
    if (!ua.ok || !exact.ok) throw new Error('should compile')
    const rules: FilterRule[] = [
      { id: 'scanner', targets: [parseTarget('header:User-Agent')!], mode: 'block', test: ua.test },
      { id: 'admin', targets: [parseTarget('path')!], mode: 'block', test: exact.test },
    ]
    const policy = { rules, bodyPrefixBytes: 0 }
    const run = (path: string, headers: HeadersInit) => inspectRequest({ path, query: '', headers: new Headers(headers) }, policy).block?.rule
    expect(run('/', { 'user-agent': 'SQLMap/1.7' })).toBe('scanner')
    expect(run('/', { 'user-agent': 'curl', referer: 'sqlmap' })).toBeUndefined()
    expect(run('/Admin/x', {})).toBe('admin')
    expect(run('/admin/x', {})).toBeUndefined()
  })

  it('in log mode reports every match and blocks nothing', () => {
    const policy: FilterPolicy = { rules: bundledRules(['sqli', 'xss'], 'log'), bodyPrefixBytes: 0 }
    const result = inspectRequest({ path: '/', query: "q=<script>' or '1'='1", headers: new Headers() }, policy)
    expect(result.block).toBeUndefined()
    expect(result.logged.map((h) => h.rule).sort()).toEqual(['sqli-tautology', 'xss-script-tag'])
  })

  it('parses targets and refuses unknown ones', () => {
    expect(parseTarget('headers')).toEqual({ kind: 'headers' })
    expect(parseTarget('header:X-Token')).toEqual({ kind: 'header', name: 'x-token' })
    expect(parseTarget('cookie')).toBeUndefined()
    expect(parseTarget('header:bad name')).toBeUndefined()
  })
})

describe('decoding for inspection', () => {
  it('decodes up to three times, and "+" as space in queries', () => {
    expect(decodeForInspection('%253Cscript%253E', false)).toBe('<script>')
    expect(decodeForInspection('a+b%2Bc', true)).toBe('a b+c')
    expect(decodeForInspection('%25252525', false)).toBe('%25')
    expect(decodeForInspection('%c0%ae%zz', false)).toBe('\xc0\xae%zz')
  })
})
