// A route's compression settings, compiled, with the defaults and their reasons.
import type { CompressSettingsConfig } from '../config/schema.ts'
import { DEFAULT_LEVELS, type Levels } from './codecs/index.ts'
import type { Coding, CompressPolicy } from './negotiate.ts'

export interface CompressionPolicy extends CompressPolicy {
  levels: Levels
  maxDecodedBytes: number
}

/** Text formats that shrink well; images, video, archives and fonts are compressed already. */
export const DEFAULT_TYPES = [
  'text/*',
  'application/json',
  '+json',
  'application/javascript',
  'application/ecmascript',
  'application/xml',
  '+xml',
  'image/svg+xml',
  'application/wasm',
  'application/x-ndjson',
  'application/manifest+json',
  'font/ttf',
  'font/otf',
  'application/vnd.ms-fontobject',
]

export function compileCompression(s: CompressSettingsConfig): CompressionPolicy | undefined {
  if (s.enabled === false) return undefined
  return {
    preference: (s.encodings ?? ['zstd', 'br', 'gzip', 'deflate']) as Coding[],
    types: (s.types ?? DEFAULT_TYPES).map((t) => t.toLowerCase()),
    // Below about 1 KiB the coding's framing eats most of the gain.
    minBytes: s.minBytes ?? 1024,
    levels: { ...DEFAULT_LEVELS, ...s.levels },
    // Enough for any page or API answer; a bomb stops here.
    maxDecodedBytes: s.maxDecodedBytes ?? 64 * 1024 * 1024,
  }
}
