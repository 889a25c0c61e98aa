/**
 * `tagwarden learn`: a policy that allows what was seen and, as far as CSP can say it, nothing else.
 *
 * - Every checked directive is present (so no fallback ever applies), plus `default-src 'none'`;
 *   a directive with nothing seen is `'none'`.
 * - A URL becomes an exact host-source `scheme://host[:port]/path`. What CSP cannot narrow further:
 *   the query and fragment are never compared (CSP3 §6.7.2.7 compares scheme, host, port, path
 *   only), a path ending in "/" matches everything below it (§6.7.2.11 step 3), and an `http:`
 *   or `ws:` expression also matches its secure upgrade (§6.7.2.8).
 * - A URL without a host (`data:`, `blob:`, `about:`, `javascript:`, `file:`) can only be allowed by
 *   its scheme: `data:` is learned as the scheme-source `data:`, which allows any data: URL in that
 *   directive. It is reported through `onWarning`.
 * - A host CSP cannot write (an IPv4 address other than 127.0.0.1, which §6.7.2.9 step 3 never
 *   matches; IPv6; a `_`; a trailing dot) is learned as `*` with the same scheme, port and path,
 *   and reported.
 * - Inline code becomes `'sha256-…'` of its UTF-8 (§6.7.3.3), in the directive its type implies
 *   (§6.8.2); attribute and `javascript:` navigation hashes only count with `'unsafe-hashes'`, so
 *   that keyword is added to the directives that hold them.
 *
 * Output is deterministic: directives and expressions sorted, duplicates removed.
 */
import { CHECKED_DIRECTIVES, type Reference } from './types.js'
import { effectiveDirectiveForInline } from './directives.js'
import { digestBase64 } from './hash.js'
import { schemeOf } from './url-match.js'

export interface LearnOptions {
  /** Called once per distinct widening (a reference CSP cannot express exactly), in sorted order. */
  onWarning?: (message: string) => void
}

/** A plain, JSON-serialisable policy object (the shape `parsePolicy` takes). */
export interface LearnedPolicy {
  action: 'block'
  directives: Record<string, string[]>
}

export function learnPolicy(refs: Iterable<Reference>, options: LearnOptions = {}): LearnedPolicy {
  const seen = new Map<string, Set<string>>()
  const warnings = new Set<string>()
  const add = (directive: string, expression: string) => {
    let set = seen.get(directive)
    if (!set) seen.set(directive, (set = new Set()))
    set.add(expression)
  }
  for (const ref of refs) {
    if (ref.kind === 'url') {
      const learned = urlExpression(ref.url)
      add(ref.directive, learned.expression)
      if (learned.widened) warnings.add(`${ref.directive}: ${clip(ref.url.href)}: ${learned.widened}`)
      continue
    }
    const directive = effectiveDirectiveForInline(ref.type)
    add(directive, `'sha256-${digestBase64('sha256', ref.source)}'`)
    if (ref.type === 'script attribute' || ref.type === 'style attribute' || ref.type === 'navigation') {
      add(directive, "'unsafe-hashes'")
    }
  }
  const directives: Record<string, string[]> = {}
  for (const name of [...CHECKED_DIRECTIVES, 'default-src'].sort()) {
    const expressions = seen.get(name)
    directives[name] = expressions && name !== 'default-src' ? [...expressions].sort() : ["'none'"]
  }
  for (const warning of [...warnings].sort()) options.onWarning?.(warning)
  return { action: 'block', directives }
}

function urlExpression(url: URL): { expression: string; widened?: string } {
  const scheme = schemeOf(url)
  if (url.host === '') {
    return {
      expression: `${scheme}:`,
      widened: `a URL without a host can only be allowed by scheme; learned "${scheme}:", which allows any ${scheme}: URL here`,
    }
  }
  const port = url.port === '' ? '' : `:${url.port}`
  let path = encodePath(url.pathname)
  let widened: string | undefined
  let host = url.hostname.toLowerCase() // host-part matching is ASCII case-insensitive
  if (!expressibleHost(host)) {
    host = '*'
    widened = `CSP cannot name host ${url.hostname}; learned "*" for it (any host, same scheme, port and path)`
  }
  if (path.startsWith('//')) {
    // A path-part must not start with an empty segment (RFC 3986 path-absolute), so the closest
    // expression is the whole origin.
    path = '/'
    widened = 'CSP cannot write a path starting with "//"; learned "/" (any path on this origin)'
  }
  return { expression: `${scheme}://${host}${port}${path}`, widened }
}

/** host-part = [ "*." ] 1*host-char *( "." 1*host-char ), and IPv4 literals other than 127.0.0.1 never match. */
function expressibleHost(host: string): boolean {
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host)) return false
  return host === '127.0.0.1' || !/^\d+\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * The URL's path in path-part characters. Anything else (";", ",", "|", "[", a stray "%", …) is
 * percent-encoded: path-part matching decodes each segment on both sides (§6.7.2.11 step 8), so
 * the encoded expression still matches the URL's raw path.
 */
function encodePath(pathname: string): string {
  return pathname.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9._~!$&'()*+=:@/%-]/g, (char) =>
    [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  )
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text
}
