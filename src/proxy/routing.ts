/**
 * Which site a request is for, and the document URL the policy sees. The upstream is always a
 * configured site's target: nothing the client sends names a host to connect to.
 */
import type { IncomingMessage } from 'node:http'

/** Host names to sites: exact names first, then the longest `*.suffix`, then `*`. */
export class HostTable<T> {
  readonly #exact = new Map<string, T>()
  readonly #suffixes: [string, T][] = []
  #any: T | undefined

  /** Adds a pattern; returns what is wrong with it, if anything. */
  add(pattern: string, value: T): string | undefined {
    const name = String(pattern).toLowerCase().replace(/\.$/, '')
    if (name === '*') {
      if (this.#any !== undefined) return 'expected "*" on one site only'
      this.#any = value
      return undefined
    }
    const wildcard = name.startsWith('*.')
    const bare = wildcard ? name.slice(2) : name
    if (!HOSTNAME.test(bare))
      return 'expected a host name (shop.example), *.shop.example or *, without a port'
    if (wildcard) {
      const suffix = `.${bare}`
      if (this.#suffixes.some(([s]) => s === suffix)) return 'expected a host no other site names'
      this.#suffixes.push([suffix, value])
      this.#suffixes.sort((a, b) => b[0].length - a[0].length)
    } else {
      if (this.#exact.has(bare)) return 'expected a host no other site names'
      this.#exact.set(bare, value)
    }
    return undefined
  }

  match(hostname: string): T | undefined {
    const exact = this.#exact.get(hostname)
    if (exact !== undefined) return exact
    for (const [suffix, value] of this.#suffixes) if (hostname.endsWith(suffix)) return value
    return this.#any
  }
}

/** A DNS name or an IPv4 address, or an IPv6 address in brackets. */
const HOSTNAME =
  /^(?:\[[0-9a-f:.]+\]|[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*)$/
/** RFC 9110 §7.2: Host = uri-host [ ":" port ]. */
const HOST_HEADER = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/

export interface RequestTarget {
  /** The Host header as sent (the document URL's authority). */
  authority: string
  /** Its host name, lower-cased, without a port or a trailing dot: what picks the site. */
  hostname: string
  /** The request target to forward, in origin-form (`/path?query`) or `*`. */
  path: string
}

/**
 * The request's Host and origin-form target, or the status to refuse it with. RFC 9112 §3.2: a
 * request with no, several or an invalid Host is a 400. An absolute-form target (§3.2.2) is accepted
 * only when its authority is the Host, and forwarded in origin-form: it never picks the upstream.
 */
export function requestTarget(req: IncomingMessage, fallbackHost?: string): RequestTarget | 400 {
  const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]!.toLowerCase() === 'host')
  if (hosts.length > 1) return 400
  const authority = req.headers.host ?? fallbackHost
  const match = authority === undefined ? null : HOST_HEADER.exec(authority)
  if (authority === undefined || match === null || Number(match[2] ?? 0) > 65535) return 400
  const hostname = match[1]!.toLowerCase().replace(/\.$/, '')
  const url = req.url ?? ''
  if (url.startsWith('/') || (url === '*' && req.method === 'OPTIONS'))
    return { authority, hostname, path: url }
  const absolute = /^(https?):\/\/([^/?#]*)(.*)$/i.exec(url)
  if (absolute === null || absolute[2]!.toLowerCase() !== authority.toLowerCase()) return 400
  const rest = absolute[3]!
  return { authority, hostname, path: rest.startsWith('/') ? rest : `/${rest}` }
}

/**
 * The URL the client asked for: the policy's `'self'` is its origin, its path picks the policy's route.
 * The scheme is http (this proxy serves plain HTTP) unless a trusted X-Forwarded-Proto says otherwise.
 */
export function documentUrl(
  req: IncomingMessage,
  target: RequestTarget,
  trustProxy: boolean,
): URL | undefined {
  let scheme = 'http'
  const forwarded = req.headers['x-forwarded-proto']
  if (trustProxy && typeof forwarded === 'string') {
    const first = forwarded.split(',', 1)[0]!.trim().toLowerCase()
    if (first === 'https' || first === 'http') scheme = first
  }
  try {
    return new URL(`${scheme}://${target.authority}${target.path === '*' ? '/' : target.path}`)
  } catch {
    return undefined
  }
}
