// Which upstream serves an attempt: one Picker interface (pick.ts), the algorithms (policies/),
// and the stage that joins them with pool health, sticky cookies, backup and panic (stage.ts).
export type { Picker, PickKey, UpstreamView } from './pick.ts'
export { chooseUpstream, healthStub, runtimeOf, ipHashKey, type Choice } from './stage.ts'
export { cookieValue } from '../http/cookie.ts'
export { readStickyCookie, stickySetCookie, stickyValue } from './sticky-cookie.ts'
export { pickSmoothWeighted } from './weighted-round-robin.ts'
