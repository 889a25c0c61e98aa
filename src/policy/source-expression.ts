/**
 * One CSP source expression, parsed by the grammar of CSP3 §2.3.1 (#framework-directive-source-list):
 *
 *   source-expression = scheme-source / host-source / keyword-source / nonce-source / hash-source
 *
 * plus the list-level `'none'`. Keywords, schemes, hosts and hash algorithms are ASCII
 * case-insensitive; paths and base64 values are not.
 */
import { BASE64_DIGEST_LENGTH, type HashAlgorithm } from './hash.js'

export const KEYWORDS = [
  'self',
  'unsafe-inline',
  'unsafe-eval',
  'strict-dynamic',
  'unsafe-hashes',
  'report-sample',
  'unsafe-allow-redirects',
  'wasm-unsafe-eval',
] as const
export type Keyword = (typeof KEYWORDS)[number]

export type SourceExpression =
  | { readonly kind: 'none' }
  /** The bare `*` (special-cased by §6.7.2.7 step 1 before host-source matching). */
  | { readonly kind: 'star' }
  | { readonly kind: 'keyword'; readonly keyword: Keyword }
  | { readonly kind: 'scheme'; readonly scheme: string }
  | {
      readonly kind: 'host'
      /** Lower-cased scheme-part, or null when the expression has none. */
      readonly scheme: string | null
      /** Lower-cased host-part: `*`, `*.example.com` or `example.com`. */
      readonly host: string
      readonly port: number | '*' | null
      /** The path-part as written (`''` when absent). */
      readonly path: string
    }
  /** `value` is normalised from base64url to base64, as §6.7.3.3 step 5.2.2.5.2 does before comparing. */
  | { readonly kind: 'hash'; readonly algorithm: HashAlgorithm; readonly value: string }
  | { readonly kind: 'nonce'; readonly value: string }

/** Either a parsed expression or what was expected instead (the end of a one-line message). */
export type ParseResult = { ok: true; expression: SourceExpression } | { ok: false; expected: string }

const SCHEME = '[A-Za-z][A-Za-z0-9+.-]*' // RFC 3986 §3.1
const SCHEME_SOURCE = new RegExp(`^(${SCHEME}):$`)
// host-part = "*" / [ "*." ] 1*host-char *( "." 1*host-char ); host-char = ALPHA / DIGIT / "-"
const HOST_SOURCE = new RegExp(
  `^(?:(${SCHEME})://)?(\\*|(?:\\*\\.)?[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*)(?::(\\*|[0-9]+))?(/.*)?$`,
)
// path-part = path-absolute (RFC 3986 §3.3) without ";" or ","; pchar minus those two.
const PCHAR = "(?:[A-Za-z0-9._~!$&'()*+=:@-]|%[0-9A-Fa-f]{2})"
const PATH_ABSOLUTE = new RegExp(`^/(?:${PCHAR}+(?:/${PCHAR}*)*)?$`)
// base64-value = 1*( ALPHA / DIGIT / "+" / "/" / "-" / "_" )*2( "=" )
const BASE64_VALUE = /^[A-Za-z0-9+/_-]+={0,2}$/
const HASH_SOURCE = /^'(sha256|sha384|sha512)-(.*)'$/i
const NONCE_SOURCE = /^'nonce-(.*)'$/i

const GENERIC = "expected a CSP source expression ('self', 'none', https://host/path, https:, 'sha256-…', …)"

export function parseSourceExpression(text: string): ParseResult {
  // CSP is ASCII-only (§2.2.1 step 2.2); host-char excludes non-ASCII (§2.3.1: use Punycode).
  if (!/^[\x21-\x7e]+$/.test(text)) {
    return fail(
      /[^\p{ASCII}]/u.test(text)
        ? 'expected an ASCII source expression (write internationalised host names in Punycode, xn--…)'
        : 'expected one source expression without spaces, ";" or ","',
    )
  }
  if (text.includes(';') || text.includes(',')) {
    return fail('expected one source expression (";" ends a directive and "," a policy)')
  }
  const lower = text.toLowerCase()
  if (lower === "'none'") return ok({ kind: 'none' })
  if (text === '*') return ok({ kind: 'star' })
  if (text.startsWith("'")) return parseQuoted(text, lower)
  // A keyword without its quotes is grammatically a host named e.g. "self" — never what anyone
  // means, and the usual result of writing `- 'self'` in YAML, where the quotes are YAML's own.
  const bare = lower === 'none' || (KEYWORDS as readonly string[]).includes(lower)
  if (bare) return fail(`expected '${lower}' with its single quotes (in YAML write "'${lower}'")`)
  const scheme = SCHEME_SOURCE.exec(text)
  if (scheme) return ok({ kind: 'scheme', scheme: scheme[1]!.toLowerCase() })
  const host = parseHostSource(text)
  if (!host.ok && /^(sha256|sha384|sha512|nonce)-/i.test(text)) {
    return fail(`expected the hash or nonce in single quotes ('${text}')`)
  }
  return host
}

function parseQuoted(text: string, lower: string): ParseResult {
  const keyword = KEYWORDS.find((k) => lower === `'${k}'`)
  if (keyword) return ok({ kind: 'keyword', keyword })
  const nonce = NONCE_SOURCE.exec(text)
  if (nonce) {
    return BASE64_VALUE.test(nonce[1]!)
      ? ok({ kind: 'nonce', value: nonce[1]! })
      : fail("expected 'nonce-' followed by a base64 value")
  }
  const hash = HASH_SOURCE.exec(text)
  if (hash) return parseHash(hash[1]!.toLowerCase() as HashAlgorithm, hash[2]!)
  return fail(GENERIC)
}

function parseHash(algorithm: HashAlgorithm, raw: string): ParseResult {
  const length = BASE64_DIGEST_LENGTH[algorithm]
  const expected = `expected '${algorithm}-' and the ${length}-character base64 (or base64url) of a ${algorithm.replace('sha', 'SHA-')} digest`
  if (!BASE64_VALUE.test(raw)) return fail(expected)
  // §6.7.3.3 compares the padded base64 of the digest with the value (base64url mapped to base64)
  // as strings, so a value of the wrong length or without padding can never match: say so now.
  const value = raw.replace(/-/g, '+').replace(/_/g, '/')
  const bytes = Buffer.from(value, 'base64')
  if (value.length !== length || bytes.toString('base64') !== value) return fail(expected)
  return ok({ kind: 'hash', algorithm, value })
}

function parseHostSource(text: string): ParseResult {
  const m = HOST_SOURCE.exec(text)
  if (!m) return fail(GENERIC)
  const [, scheme, host, port, path = ''] = m
  if (path !== '' && !PATH_ABSOLUTE.test(path)) {
    return fail(
      /[?#]/.test(path)
        ? 'expected a path without query or fragment (CSP matches paths only; a query cannot be expressed)'
        : 'expected a path of URL path characters (percent-encode others)',
    )
  }
  let portValue: number | '*' | null = null
  if (port === '*') portValue = '*'
  else if (port !== undefined) {
    portValue = Number(port)
    if (portValue > 65535) return fail('expected a port from 0 to 65535')
  }
  return ok({
    kind: 'host',
    scheme: scheme ? scheme.toLowerCase() : null,
    host: host!.toLowerCase(),
    port: portValue,
    path,
  })
}

function ok(expression: SourceExpression): ParseResult {
  return { ok: true, expression }
}

function fail(expected: string): ParseResult {
  return { ok: false, expected }
}
