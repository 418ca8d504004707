// Every response Portico itself produces for an error: RFC 9457 problem+json, or a small HTML page
// when the client prefers HTML (a browser). Bodies never carry stack traces or origin addresses.
import { prefersHtml } from './accept.ts'

export interface ProblemInit {
  detail?: string
  /** Extension members (RFC 9457 section 3.2), e.g. the list of config errors. */
  extra?: Record<string, unknown>
  headers?: HeadersInit
  /** The request's Accept header, to choose between JSON and HTML. */
  accept?: string | null
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  508: 'Loop Detected',
}

/** `type` is a short slug: "no-route" becomes the URI `urn:portico:no-route`. */
export function problem(status: number, type: string, init: ProblemInit & { title?: string } = {}): Response {
  const title = init.title ?? TITLES[status] ?? 'Error'
  const headers = new Headers(init.headers)
  headers.set('Cache-Control', 'no-store')
  if (prefersHtml(init.accept ?? null)) {
    headers.set('Content-Type', 'text/html; charset=utf-8')
    return new Response(htmlPage(status, title, init.detail, init.extra?.errors), { status, headers })
  }
  headers.set('Content-Type', 'application/problem+json')
  const body = { type: `urn:portico:${type}`, title, status, ...(init.detail ? { detail: init.detail } : {}), ...init.extra }
  return new Response(JSON.stringify(body), { status, headers })
}

function htmlPage(status: number, title: string, detail: string | undefined, errors: unknown): string {
  const text = `${status} ${title}`
  const list = Array.isArray(errors)
    ? `<ul>${errors.map((e: { path?: string; message?: string }) => `<li><code>${escapeHtml(String(e.path))}</code>: ${escapeHtml(String(e.message))}</li>`).join('')}</ul>`
    : ''
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(text)}</title>` +
    `<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;margin:4em auto;padding:0 1em;color:#222}</style></head>` +
    `<body><h1>${escapeHtml(text)}</h1>${detail ? `<p>${escapeHtml(detail)}</p>` : ''}${list}</body></html>\n`
  )
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}
