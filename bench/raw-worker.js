// The platform's floor: a Worker that passes every request to UPSTREAM and returns the response as
// it comes, with nothing else. Portico's rows are measured against this one in the same workerd.
/* global URL, fetch */
export default {
  async fetch(request, env) {
    const url = new URL(request.url)
    const target = new URL(url.pathname + url.search, env.UPSTREAM)
    return fetch(target, { method: request.method, headers: request.headers, body: request.body, redirect: 'manual' })
  },
}
