// The request id every response carries and the origin receives: the client's when it is well
// formed and config allows it (a correlation id, not a credential), else a fresh UUID.
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/

export function requestIdFor(incoming: string | null, acceptIncoming: boolean, newId: () => string): string {
  return acceptIncoming && incoming !== null && WELL_FORMED.test(incoming) ? incoming : newId()
}
