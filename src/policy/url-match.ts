/**
 * URL matching, CSP3 §6.7.2.7 "Does url match expression in origin with redirect count?"
 * (#match-url-to-source-expression) and its parts §6.7.2.8-11. The redirect count is always 0:
 * tagwarden sees markup, never redirects, so path-parts always apply.
 *
 * `self` is the document URL; its origin is the policy's self-origin (§2.2.3 step 3.1).
 * Node's `URL` gives `port === ''` exactly when the port is the scheme's default (or absent), and
 * `hostname` is the serialised host (IPv6 in brackets), which is what the algorithms compare.
 */
import type { SourceExpression } from './source-expression.js'

type HostSource = Extract<SourceExpression, { kind: 'host' }>

const DEFAULT_PORTS: Readonly<Record<string, number>> = { http: 80, https: 443, ws: 80, wss: 443, ftp: 21 }
const SPECIAL = new Set(['http', 'https', 'ws', 'wss', 'ftp', 'file'])

export function schemeOf(url: URL): string {
  return url.protocol.slice(0, -1)
}

/** An opaque origin has no scheme, host or port to compare (data:, file:, non-special schemes). */
function isOpaqueOrigin(url: URL): boolean {
  return url.origin === 'null'
}

export function urlMatchesExpression(url: URL, expression: SourceExpression, self: URL): boolean {
  const scheme = schemeOf(url)
  switch (expression.kind) {
    case 'star':
      // Step 1: "*" matches HTTP(S) URLs and URLs of the protected resource's own scheme; any other
      // scheme (data:, blob:, ws:, …) must be listed explicitly.
      return scheme === 'http' || scheme === 'https' || (!isOpaqueOrigin(self) && scheme === schemeOf(self))
    case 'scheme':
      return schemePartMatch(expression.scheme, scheme) // step 2
    case 'host':
      return hostSourceMatches(url, scheme, expression, self) // step 3
    case 'keyword':
      return expression.keyword === 'self' && selfMatches(url, scheme, self) // step 4
    default:
      return false // 'none', hashes and nonces match no URL (step 5)
  }
}

function hostSourceMatches(url: URL, scheme: string, e: HostSource, self: URL): boolean {
  if (e.scheme !== null && !schemePartMatch(e.scheme, scheme)) return false // step 2.1
  if (hostIsNull(url, scheme)) return false // step 3.1
  // Step 3.2: a scheme-less host-source takes the self-origin's scheme (with its upgrades). An
  // opaque self-origin has no scheme, so nothing matches (as Chromium does).
  const effectiveScheme = e.scheme ?? (isOpaqueOrigin(self) ? null : schemeOf(self))
  if (effectiveScheme === null || !schemePartMatch(effectiveScheme, scheme)) return false
  if (!hostPartMatch(e.host, url.hostname)) return false // step 3.3
  if (!portPartMatch(e.port, url, scheme, effectiveScheme)) return false // steps 3.4-3.5
  // Step 3.6 joins the URL's path list on "/", which for « "a", "b" » gives "a/b" and could never
  // match a path-part; every implementation compares the serialised path "/a/b", as done here.
  return e.path === '' || pathPartMatch(e.path, url.pathname)
}

/** A URL's host is null when it has no authority (data:, javascript:, mailto:); file: hosts are "". */
function hostIsNull(url: URL, scheme: string): boolean {
  if (url.host !== '' || SPECIAL.has(scheme)) return false
  return !url.href.startsWith(`${url.protocol}//`)
}

/** §6.7.2.8 (#match-schemes): insecure schemes also match their secure upgrades; `ws` also matches http(s). */
export function schemePartMatch(a: string, b: string): boolean {
  return (
    a === b ||
    (a === 'http' && b === 'https') ||
    (a === 'ws' && (b === 'wss' || b === 'http' || b === 'https')) ||
    (a === 'wss' && b === 'https')
  )
}

/**
 * §6.7.2.9 (#match-hosts). `*.example.com` matches any host ending in `.example.com` but never
 * `example.com` itself; `*` matches every host. Hosts are compared whole, so `allowed.example.evil`,
 * `allowed.example.` (a trailing dot) and `evil` (from `https://allowed.example@evil/`) never match
 * `allowed.example`. IP literals only match as `127.0.0.1` (step 3).
 */
export function hostPartMatch(a: string, b: string): boolean {
  const host = b.toLowerCase()
  if (a.startsWith('*')) return host.endsWith(a.slice(1))
  if (a !== host) return false
  return a === '127.0.0.1' || !isIpv4(a)
}

function isIpv4(host: string): boolean {
  // Only a host ending in a digit can be an IPv4 literal: names, nearly every host, stop here.
  const last = host.charCodeAt(host.length - 1)
  if (!(last >= 0x30 && last <= 0x39)) return false
  const octets = host.split('.')
  return octets.length === 4 && octets.every((o) => /^(0|[1-9][0-9]{0,2})$/.test(o) && Number(o) <= 255)
}

/**
 * §6.7.2.10 (#match-ports), reading "port" as the URL's effective port (an absent port is the
 * scheme's default, as the URL parser drops default ports). No port-part matches the default port
 * of the URL's scheme only; `*` matches any port.
 *
 * One addition: an explicit `:80` also matches port 443 when the scheme was upgraded (http->https,
 * ws->wss). CSP3 §1.3 item 3 promises that `http://example.com:80` matches
 * `https://example.com:443`, but the §6.7.2.10 steps never produce it; Chromium does (network
 * service csp_source.cc, SourceAllowPort "MatchingUpgrade").
 */
function portPartMatch(port: number | '*' | null, url: URL, scheme: string, sourceScheme: string): boolean {
  if (port === '*') return true
  const defaultPort = DEFAULT_PORTS[scheme] ?? null
  const urlPort = url.port === '' ? defaultPort : Number(url.port)
  if (port === null) return urlPort === defaultPort
  if (port === urlPort) return true
  const upgraded =
    (sourceScheme === 'http' && scheme === 'https') || (sourceScheme === 'ws' && scheme === 'wss')
  return upgraded && port === 80 && urlPort === 443
}

/**
 * §6.7.2.11 (#match-paths). A path-part ending in "/" matches that directory and everything under
 * it; otherwise the path must be equal. Both sides are split on "/" first and each segment is then
 * percent-decoded, so `%2F` never acts as a separator and `/a%2Fb` does not match `/a/b`. The URL
 * parser has already resolved `..`/`.` segments and turned `\` into `/` for special schemes, so the
 * path compared is the one the browser would request. The query is never compared.
 */
export function pathPartMatch(pathA: string, pathB: string): boolean {
  if (pathA === '') return true // step 1
  if (pathA === '/' && pathB === '') return true // step 2
  const exact = !pathA.endsWith('/') // step 3
  // The same text, or a directory's text and more, has the same leading segments: steps 4-8 hold.
  if (pathA === pathB || (!exact && pathB.startsWith(pathA))) return true
  const listA = pathA.split('/')
  const listB = pathB.split('/')
  if (listA.length > listB.length) return false // step 5
  if (exact && listA.length !== listB.length) return false // step 6
  if (!exact) listA.pop() // step 7
  return listA.every((pieceA, i) => percentDecode(pieceA) === percentDecode(listB[i]!)) // step 8
}

/**
 * URL Standard "percent-decode" of a string: UTF-8 encode, then replace each valid %XX by its byte.
 * Compared as bytes (via latin1) so malformed UTF-8 stays distinguishable.
 */
function percentDecode(text: string): string {
  if (!text.includes('%')) return text
  const bytes = Buffer.from(text, 'utf8')
  const out: number[] = []
  for (let i = 0; i < bytes.length; i++) {
    const hex = bytes.subarray(i + 1, i + 3).toString('latin1')
    if (bytes[i] === 0x25 && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16))
      i += 2
    } else out.push(bytes[i]!)
  }
  return Buffer.from(out).toString('latin1')
}

/**
 * §6.7.2.7 step 4: `'self'` matches the self-origin, and the same host on the same (or both default)
 * port when the URL is https/wss, or when self is http and the URL is http/ws.
 *
 * Step 4.1 compares origins; for `blob:` and `filesystem:` URLs the URL Standard derives the origin
 * from the inner URL, which would let `'self'` match `blob:https://self/…` (content made by script).
 * Chromium and Firefox compare the URL's own scheme, so `'self'` never matches those; nor here.
 */
function selfMatches(url: URL, scheme: string, self: URL): boolean {
  if (isOpaqueOrigin(self) || scheme === 'blob' || scheme === 'filesystem' || isOpaqueOrigin(url))
    return false
  if (url.origin === self.origin) return true
  if (url.hostname !== self.hostname) return false
  if (url.port !== self.port) return false // equal numbers, or both the default for their scheme
  const selfScheme = schemeOf(self)
  return (
    scheme === 'https' ||
    scheme === 'wss' ||
    (selfScheme === 'http' && (scheme === 'http' || scheme === 'ws'))
  )
}

/**
 * A key equal for two paths exactly when one, as an exact path-part (not ending in "/"), matches the
 * other (§6.7.2.11 steps 3-8): segments percent-decoded as pathPartMatch decodes them, then "%" and
 * "/" escaped again so that a decoded "%2F" cannot pass for a separator.
 */
export function exactPathKey(path: string): string {
  if (!path.includes('%')) return path
  return path
    .split('/')
    .map((segment) => percentDecode(segment).replace(/%/g, '%25').replace(/\//g, '%2F'))
    .join('/')
}
