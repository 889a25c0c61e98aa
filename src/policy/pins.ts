/**
 * A policy's `pins`: the content of third-party scripts and stylesheets it allows, as SRI hashes.
 * `{ "https://cdn.example/lib.js": "sha384-…" }`. The probe fetches each pinned resource a page
 * references and reports a changed hash; CSP can allow a URL, only a pin says what it may contain.
 */
import { fieldPath, policyError, type Origin } from './messages.js'
import { parseIntegrity } from './sri.js'
import type { Pin } from './types.js'

/** The pins by URL (fragment dropped: a fetch never sends it); throws a PolicyError naming a bad one. */
export function compilePins(pins: Record<string, string>, origin: Origin): ReadonlyMap<string, Pin> {
  const compiled = new Map<string, Pin>()
  for (const [key, expression] of Object.entries(pins)) {
    const field = fieldPath('pins', key)
    const url = pinKey(key)
    if (url === undefined) {
      throw policyError(origin, field, 'expected an absolute http:// or https:// URL as the key', {
        got: key,
      })
    }
    const hashes = parseIntegrity(expression)
    if (hashes.length === 0 || hashes.length !== expression.trim().split(/\s+/).length) {
      throw policyError(
        origin,
        field,
        'expected SRI hashes: sha256-, sha384- or sha512- followed by the base64 digest, separated by spaces',
        { got: expression },
      )
    }
    if (compiled.has(url)) throw policyError(origin, field, 'expected a URL no other pin names', { got: key })
    compiled.set(url, Object.freeze({ url, expression: expression.trim(), hashes: Object.freeze(hashes) }))
  }
  return compiled
}

/** The key a URL is pinned under: its href without the fragment; undefined unless http(s). */
export function pinKey(value: string | URL): string | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  url.hash = ''
  return url.href
}
