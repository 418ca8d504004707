// The content codings Portico encodes and decodes, each kept apart from the stage that uses it
// (as Envoy keeps its compressor filter and its codecs apart). gzip and deflate use the platform's
// CompressionStream, except when every chunk must be flushed (event streams) or another level than
// its fixed 6 is configured, where node:zlib can do what CompressionStream cannot; brotli and zstd
// use node:zlib, as do the decoders.
import zlib from 'node:zlib'
import type { Coding } from '../negotiate.ts'
import { fromZlib } from './zlib-stream.ts'

export interface Levels {
  gzip: number
  deflate: number
  br: number
  zstd: number
}

/** Streaming levels: fast enough to keep up with a stream, most of the ratio of the slow levels. */
export const DEFAULT_LEVELS: Levels = { gzip: 6, deflate: 6, br: 4, zstd: 3 }

/** CompressionStream has no level setting: it compresses at zlib's default, 6 (same bytes as node:zlib at 6). */
const COMPRESSION_STREAM_LEVEL = 6

export function encoder(coding: Coding, levels: Levels, flushEachChunk: boolean): ReadableWritablePair<Uint8Array, Uint8Array> {
  const { constants } = zlib
  switch (coding) {
    case 'gzip':
      return flushEachChunk || levels.gzip !== COMPRESSION_STREAM_LEVEL
        ? fromZlib(zlib.createGzip({ level: levels.gzip }), { flushEachChunk: flushEachChunk ? constants.Z_SYNC_FLUSH : undefined })
        : (new CompressionStream('gzip') as TransformStream<Uint8Array, Uint8Array>)
    case 'deflate':
      return flushEachChunk || levels.deflate !== COMPRESSION_STREAM_LEVEL
        ? fromZlib(zlib.createDeflate({ level: levels.deflate }), { flushEachChunk: flushEachChunk ? constants.Z_SYNC_FLUSH : undefined })
        : (new CompressionStream('deflate') as TransformStream<Uint8Array, Uint8Array>)
    case 'br':
      return fromZlib(zlib.createBrotliCompress({ params: { [constants.BROTLI_PARAM_QUALITY]: levels.br } }), { flushEachChunk: flushEachChunk ? constants.BROTLI_OPERATION_FLUSH : undefined })
    case 'zstd':
      return fromZlib(zlib.createZstdCompress({ params: { [constants.ZSTD_c_compressionLevel]: levels.zstd } }), {
        flushEachChunk: flushEachChunk ? constants.ZSTD_e_flush : undefined,
        flushBeforeEnd: constants.ZSTD_e_flush,
      })
  }
}

/**
 * A decoder for a coding the runtime does not decode by itself (deflate, zstd, and gzip labelled
 * x-gzip). node:zlib for all: it decodes only as fast as the output is read (DecompressionStream
 * decodes a chunk whole).
 */
export function decoder(coding: 'deflate' | 'zstd' | 'x-gzip'): ReadableWritablePair<Uint8Array, Uint8Array> {
  return fromZlib(coding === 'deflate' ? zlib.createInflate() : coding === 'x-gzip' ? zlib.createGunzip() : zlib.createZstdDecompress())
}
