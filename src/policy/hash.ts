/** Digests of inline code as CSP hashes them (CSP3 §6.7.3.3 #match-element-to-source-list step 5). */
import { hash } from 'node:crypto'

export type HashAlgorithm = 'sha256' | 'sha384' | 'sha512'

export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ['sha256', 'sha384', 'sha512']

/** Length of the padded base64 of each digest: what a matching hash-source must spell out. */
export const BASE64_DIGEST_LENGTH: Readonly<Record<HashAlgorithm, number>> = {
  sha256: 44,
  sha384: 64,
  sha512: 88,
}

/**
 * The base64 of the digest of `source` after "JavaScript string converting" and UTF-8 encoding it.
 * Node's UTF-8 encoder replaces lone surrogates with U+FFFD, which is exactly that conversion.
 * The one-shot `crypto.hash` (Node >= 20.12) costs a quarter of `createHash(…).update(…).digest(…)`
 * for the short attribute values most inline code is: no Hash object per call.
 */
export function digestBase64(algorithm: HashAlgorithm, source: string): string {
  return hash(algorithm, source, 'base64')
}
