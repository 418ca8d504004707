export { RouteTable, routingHost, routerPattern, patternError } from './match.ts'
export type { MatchOutcome, RouteMatch, RequestFacts } from './match.ts'
export { rewritePath, unrewritePath, fillTemplate, templateNames, patternParams, stripSegmentPrefix, joinPath } from './rewrite.ts'
export type { PathRewrite } from './rewrite.ts'
