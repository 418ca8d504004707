// An independent decoder for the content codings Portico produces, for tests at every tier (it
// runs in Node and, under nodejs_compat, in workerd): node:zlib, not the code under test.
import { Buffer } from 'node:buffer'
import zlib from 'node:zlib'

/** The bytes a body decodes to; no coding (null, undefined) means the bytes as they are. */
export function decodeBody(coding: string | null | undefined, bytes: Uint8Array): Buffer {
  switch (coding) {
    case null:
    case undefined:
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    case 'gzip':
      return zlib.gunzipSync(bytes)
    case 'deflate':
      return zlib.inflateSync(bytes)
    case 'br':
      return zlib.brotliDecompressSync(bytes)
    case 'zstd':
      return zlib.zstdDecompressSync(bytes)
    default:
      throw new Error(`no decoder for ${coding}`)
  }
}
