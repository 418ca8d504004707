// The effective routes table, for `npm run check` and the admin API: what each route matches and
// what it does, after defaults are applied. Secrets are never shown.
import type { CompiledConfig, CompiledRoute } from './compile.ts'

export interface RouteSummary {
  name: string
  hosts: string
  path: string
  methods: string
  headers: string
  action: string
}

export function describeRoutes(config: CompiledConfig): RouteSummary[] {
  return config.routes.map(describeRoute)
}

function describeRoute(r: CompiledRoute): RouteSummary {
  const m = r.match
  return {
    name: r.name,
    hosts: m.hosts?.join(' ') ?? '*',
    path: m.pattern ?? (m.path ? `${m.path === '/' ? '' : m.path}/**` : '/**'),
    methods: m.methods ? [...m.methods].join(',') : 'any',
    headers: m.headers?.map(([k, vals]) => `${k}=${vals.join('|')}`).join(' ') ?? '',
    action: describeAction(r),
  }
}

function describeAction(r: CompiledRoute): string {
  const a = r.action
  switch (a.kind) {
    case 'redirect':
      return `redirect ${a.status} → ${a.to}`
    case 'respond':
      return `respond ${a.status}`
    case 'proxy': {
      const ups = a.pool.upstreams.map((u) => u.key + (u.weight !== 1 ? ` (weight ${u.weight})` : ''))
      const rw = a.rewrite.kind === 'prefix' ? ` rewrite ${a.rewrite.from} → ${a.rewrite.to || '/'}` : a.rewrite.kind === 'template' ? ` rewrite → ${a.rewrite.template}` : ''
      const pool = a.pool.name && !a.pool.name.startsWith('route-') && a.pool.name !== r.name ? `pool ${a.pool.name}: ` : ''
      return `proxy ${pool}${ups.join(', ')}${rw}${a.host !== 'origin' ? ` host=${a.host}` : ''}`
    }
  }
}

