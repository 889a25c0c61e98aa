/**
 * Subresource Integrity metadata (https://w3c.github.io/webappsec-subresource-integrity/): what a
 * policy's `pins` and an element's `integrity=` say a resource's bytes hash to. No HTTP here: the
 * probe fetches, this only parses and compares.
 */
import { hash } from 'node:crypto'
import { BASE64_DIGEST_LENGTH, HASH_ALGORITHMS, type HashAlgorithm } from './hash.js'

export interface IntegrityHash {
  readonly algorithm: HashAlgorithm
  /** The digest in base64 (a base64url spelling is normalised to base64). */
  readonly digest: string
}

const TOKEN = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(?:\?.*)?$/

/**
 * SRI §3.3.3 "Parse metadata": whitespace-separated `alg-base64[?options]` tokens; tokens with an
 * unknown algorithm or a malformed value are ignored (so a browser would treat an all-unknown value as
 * no metadata at all). Options after `?` are ignored, as the spec says.
 */
export function parseIntegrity(value: string): IntegrityHash[] {
  const hashes: IntegrityHash[] = []
  for (const token of value.split(/[\t\n\f\r ]+/)) {
    const match = TOKEN.exec(token)
    if (match === null) continue
    const algorithm = match[1] as HashAlgorithm
    const digest = match[2]!.replace(/-/g, '+').replace(/_/g, '/')
    const padded = digest.padEnd(Math.ceil(digest.length / 4) * 4, '=')
    if (padded.length !== BASE64_DIGEST_LENGTH[algorithm]) continue
    hashes.push({ algorithm, digest: padded })
  }
  return hashes
}

/** SRI §3.3.4 "Get the strongest metadata from set": only the strongest algorithm's hashes count. */
export function strongest(hashes: readonly IntegrityHash[]): IntegrityHash[] {
  let best = -1
  for (const h of hashes) best = Math.max(best, HASH_ALGORITHMS.indexOf(h.algorithm))
  return hashes.filter((h) => HASH_ALGORITHMS.indexOf(h.algorithm) === best)
}

/**
 * SRI §3.3.5 "Do bytes match metadataList?": true when there is no usable metadata, else when the
 * bytes' digest equals one of the strongest algorithm's digests.
 */
export function bytesMatch(bytes: Uint8Array, hashes: readonly IntegrityHash[]): boolean {
  const best = strongest(hashes)
  if (best.length === 0) return true
  const seen = integrityOf(bytes, best[0]!.algorithm)
  return best.some((h) => `${h.algorithm}-${h.digest}` === seen)
}

/** `sha384-…`: the SRI spelling of the bytes' digest. */
export function integrityOf(bytes: Uint8Array, algorithm: HashAlgorithm = 'sha384'): string {
  return `${algorithm}-${hash(algorithm, bytes, 'base64')}`
}
