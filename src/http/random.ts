// Random bytes for ids made on the request path (trace and parent ids), drawn from a pool that one
// crypto.getRandomValues call fills 4 KiB at a time. A call per request cost more than the bytes it
// returned (each one allocates a buffer and enters the runtime's CSPRNG); now one call serves about
// 170 traces. The bytes are the same CSPRNG's, each handed out once.
const POOL_BYTES = 4096
const pool = new Uint8Array(POOL_BYTES)
let next = POOL_BYTES // empty until first use: the pool is filled inside a request, not at start-up

/**
 * `n` (at most 4096) fresh random bytes. The view is the pool's own: read it before asking for
 * more, and do not keep it.
 */
export function pooledRandomBytes(n: number): Uint8Array {
  if (n > POOL_BYTES) throw new RangeError(`pooledRandomBytes: at most ${POOL_BYTES} bytes, asked for ${n}`)
  if (next + n > POOL_BYTES) {
    crypto.getRandomValues(pool)
    next = 0
  }
  const bytes = pool.subarray(next, next + n)
  next += n
  return bytes
}
