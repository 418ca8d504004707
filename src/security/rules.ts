// The bundled filtering rules: common SQL injection and cross-site scripting probes, in RE2 syntax
// (linear time whatever the input: see linear-regex.ts). They look at the path, query and body prefix
// after percent-decoding, case-insensitively. They are a tripwire for scanners and careless
// probes, not a substitute for parameterised queries and output encoding at the origin: a
// determined attacker can phrase an injection these do not recognise. Each is narrow enough
// that ordinary text ("O'Reilly", "rock 'n' roll", "a < b", "javascript: the good parts") passes;
// the unit tests hold both lists.

export interface BundledRule {
  id: string
  set: 'sqli' | 'xss'
  pattern: string
}

/** Whitespace, an inline comment or "+" between SQL words, as injections write them to dodge filters. */
const SEP = String.raw`(?:\s|/\*.*?\*/|\+)+`
/** The same, or nothing. */
const GAP = String.raw`(?:\s|/\*.*?\*/)*`

export const BUNDLED_RULES: readonly BundledRule[] = [
  { id: 'sqli-union-select', set: 'sqli', pattern: String.raw`\bunion${SEP}(?:all${SEP}|distinct${SEP})?select\b` },
  // A quote or parenthesis closed, then OR/AND and a comparison: ' or '1'='1, ") or ("a"="a
  { id: 'sqli-tautology', set: 'sqli', pattern: String.raw`['")]${GAP}(?:(?:or|and)${SEP}|(?:\|\||&&)${GAP})['"(]?[\w-]+['")]?\s*(?:=|<>|!=|<|>|\blike\b)` },
  { id: 'sqli-numeric-tautology', set: 'sqli', pattern: String.raw`\b(?:or|and)${SEP}(?:1\s*=\s*1|true|0\s*=\s*0)\b` },
  // A quote closed and the rest of the statement commented out: admin'-- , admin'#
  { id: 'sqli-comment-out', set: 'sqli', pattern: String.raw`['"]\s*(?:--|#|/\*)` },
  { id: 'sqli-stacked-query', set: 'sqli', pattern: String.raw`;\s*(?:(?:drop${SEP}(?:table|database)|truncate${SEP}table|alter${SEP}table|delete${SEP}from|insert${SEP}into|update${SEP}\w+${SEP}set)\b|exec(?:ute)?${SEP}(?:xp|sp)_\w)` },
  { id: 'sqli-probe-functions', set: 'sqli', pattern: String.raw`\b(?:(?:pg_)?sleep\s*\(\s*\d+\s*\)|benchmark\s*\(\s*\d+\s*,|waitfor${SEP}delay${SEP}'|load_file\s*\(|into${SEP}(?:out|dump)file\b|information_schema\.|xp_cmdshell\b)` },
  { id: 'xss-script-tag', set: 'xss', pattern: String.raw`<\s*/?\s*script\b` },
  {
    id: 'xss-event-handler',
    set: 'xss',
    pattern: String.raw`<[a-z][^>]*[\s/"']on(?:error|load|click|dblclick|mouse\w+|pointer\w+|focus\w*|blur|key\w+|submit|change|input|toggle|begin|end|animation\w+|transition\w+|wheel|scroll|copy|paste|drag\w*|drop|play|pause|resize|message|hashchange|pageshow|unload|beforeunload)\s*=`,
  },
  // A script URL followed by code (a call, an assignment, a comment, a quote), not by prose.
  { id: 'xss-script-uri', set: 'xss', pattern: String.raw`(?:^|[\s"'=(<,])(?:java|vb|live)script\s*:\s*(?:[\w$.]+\s*[(\[=\x60]|//|/\*|['"{(])` },
  { id: 'xss-embedding-tag', set: 'xss', pattern: String.raw`<\s*(?:iframe|frame|frameset|object|embed|applet|base|meta\s[^>]*http-equiv)\b` },
  { id: 'xss-data-html', set: 'xss', pattern: String.raw`\bdata\s*:\s*(?:text/html|image/svg\+xml|application/x?html)` },
]
