// A request body that may have to be sent twice. Small bodies (up to maxBodyBytes) are read into
// memory so a retry can send them again; larger or unknown-length ones that outgrow the limit are
// streamed once, as they arrive, and the request is then not retried.
import { concatBytes } from '../http/bytes.ts'
import { readUpTo, replayed } from '../http/read.ts'

export interface PreparedBody {
  replayable: boolean
  /** The body for the next attempt (the stream can be taken only once when not replayable). */
  next(): BodyInit | null
}

const NO_BODY: PreparedBody = { replayable: true, next: () => null }

export async function prepareBody(req: Request, keep: boolean, maxBytes: number): Promise<PreparedBody> {
  if (req.body === null || req.method === 'GET' || req.method === 'HEAD') return NO_BODY
  const stream = req.body
  if (!keep) return once(stream)
  const declared = req.headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared)) {
    if (Number(declared) > maxBytes) return once(stream)
    const bytes = await req.arrayBuffer()
    return { replayable: true, next: () => bytes }
  }
  // Unknown length: read up to the limit; if the body ends first it is kept, otherwise what was
  // read goes out first and the rest follows as it arrives.
  const prefix = await readUpTo(stream, maxBytes)
  if (prefix.ended) {
    const bytes = concatBytes(prefix.chunks, prefix.size)
    return { replayable: true, next: () => bytes }
  }
  return once(replayed(prefix))
}

function once(stream: ReadableStream<Uint8Array>): PreparedBody {
  let taken = false
  return {
    replayable: false,
    next: () => {
      if (taken) throw new Error('a streamed request body cannot be sent twice')
      taken = true
      return stream
    },
  }
}
