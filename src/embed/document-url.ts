/**
 * The document URL the policy sees — `'self'` is its origin, its path picks the policy's route — as
 * the visitor asked for it. Not the proxy's rule (src/proxy/routing.ts): an embedded server may
 * terminate TLS itself, and behind a trusted proxy the visible host is X-Forwarded-Host.
 */
import type { IncomingMessage } from 'node:http'

type HeaderValue = string | string[] | undefined | null

/** RFC 9110 §7.2: uri-host [ ":" port ]. */
const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d{1,5})?$/

/** The first value of a possibly repeated, comma-separated header. */
function first(value: HeaderValue): string | undefined {
  const joined = Array.isArray(value) ? value[0] : value
  const head = joined?.split(',', 1)[0]?.trim()
  return head === '' ? undefined : head
}

/** `host[:port]` normalised as a URL host (lower case, no default port); undefined when malformed. */
function authority(scheme: string, value: string | undefined): string | undefined {
  if (value === undefined || !HOST.test(value)) return undefined
  try {
    return new URL(`${scheme}://${value}`).host
  } catch {
    return undefined
  }
}

/**
 * Apply trusted X-Forwarded-Proto/-Host (the first value of each) to a document URL: what a proxy in
 * front says the visitor asked for.
 */
export function forwardedUrl(url: URL, get: (name: string) => HeaderValue): URL {
  const proto = first(get('x-forwarded-proto'))?.toLowerCase()
  const scheme = proto === 'http' || proto === 'https' ? proto : url.protocol.slice(0, -1)
  const host = authority(scheme, first(get('x-forwarded-host'))) ?? url.host
  return new URL(`${scheme}://${host}${url.pathname}${url.search}`)
}

/**
 * The document URL of a Node request: `https` when the socket is TLS, else `http`; the Host header
 * (`localhost` when it is missing or malformed); the request target — Express's `originalUrl` when
 * the app is mounted under a path. With `trustProxy`, X-Forwarded-Proto/-Host override the first two.
 */
export function documentUrl(req: IncomingMessage, trustProxy: boolean): URL {
  const scheme = (req.socket as { encrypted?: boolean } | null)?.encrypted === true ? 'https' : 'http'
  const host = authority(scheme, first(req.headers.host)) ?? 'localhost'
  const target = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/'
  // An absolute-form target (RFC 9112 §3.2.2) keeps only its path: the authority is the Host's.
  const path = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '')
  let url: URL
  try {
    url = new URL(`${scheme}://${host}${path.startsWith('/') ? path : '/'}`)
  } catch {
    url = new URL(`${scheme}://${host}/`)
  }
  return trustProxy ? forwardedUrl(url, (name) => req.headers[name]) : url
}
