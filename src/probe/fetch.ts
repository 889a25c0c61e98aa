/**
 * Fetching as a visitor: `GET` over a fresh connection (so every probe measures DNS, connect and TLS
 * as a first visit does), redirects followed within a bound, every phase timed from the socket's
 * own events. Node's `http`/`https` rather than `fetch`: undici does not expose the phases.
 */
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import https from 'node:https'
import { performance } from 'node:perf_hooks'
import { ProbeError } from '../errors.js'

/** Seconds spent in each phase, added up over every hop of a redirect chain. */
export interface Phases {
  dns: number
  connect: number
  tls: number
  /** From the request being sent (connection ready) to the response headers. */
  firstByte: number
}

export function zeroPhases(): Phases {
  return { dns: 0, connect: 0, tls: 0, firstByte: 0 }
}

export interface FetchRequest {
  url: URL
  headers: Record<string, string>
  /** Redirects followed at most; one more is `too_many_redirects`. */
  maxRedirects: number
  /** Whether a redirect may go to `url`; otherwise `off_site_redirect`, and nothing is fetched. */
  allowRedirect: (url: URL) => boolean
  /** Aborts everything (the probe's deadline); its reason is the ProbeError reported. */
  signal: AbortSignal
  /** Added to as each hop progresses. */
  phases: Phases
}

export interface Fetched {
  /** The URL of the final response (after redirects). */
  url: URL
  status: number
  headers: IncomingHttpHeaders
  /** The final response's body, not yet read. Destroyed with the signal's reason on abort. */
  body: IncomingMessage
  redirects: number
}

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/** GET `url`, following redirects (each to an allowed URL, none twice) up to `maxRedirects`. */
export async function fetchFollowing(request: FetchRequest): Promise<Fetched> {
  const seen = new Set<string>()
  let url = request.url
  for (let redirects = 0; ; redirects++) {
    seen.add(url.href)
    const res = await fetchOnce(url, request.headers, request.signal, request.phases)
    const location = res.headers.location
    if (!REDIRECTS.has(res.statusCode ?? 0) || location === undefined) {
      return { url, status: res.statusCode ?? 0, headers: res.headers, body: res, redirects }
    }
    res.destroy() // a redirect's body is never read: the connection is not reused anyway
    let next: URL
    try {
      next = new URL(location, url)
    } catch {
      throw new ProbeError(`redirect ${redirects + 1}: the Location is not a URL`, 'protocol')
    }
    next.hash = ''
    if (seen.has(next.href)) {
      throw new ProbeError(`redirect ${redirects + 1} goes back to ${clip(next.href)}`, 'redirect_loop')
    }
    if (redirects >= request.maxRedirects) {
      throw new ProbeError(`more than ${request.maxRedirects} redirects`, 'too_many_redirects')
    }
    if (!request.allowRedirect(next)) {
      throw new ProbeError(
        `redirect ${redirects + 1} to ${clip(next.href)}: not allowed by the configuration`,
        'off_site_redirect',
      )
    }
    url = next
  }
}

/** One GET on a fresh connection; resolves at the response headers. Timings go into `phases`. */
export function fetchOnce(
  url: URL,
  headers: Record<string, string>,
  signal: AbortSignal,
  phases: Phases,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(probeError(signal.reason))
    const start = performance.now()
    let mark = start
    const lap = (phase: keyof Phases) => {
      const now = performance.now()
      phases[phase] += (now - mark) / 1000
      mark = now
    }
    const client = url.protocol === 'https:' ? https : http
    // agent: false — a connection of its own, closed after the response: no pooled socket hides
    // DNS/connect/TLS, and nothing outlives the probe.
    const req = client.request(url, { method: 'GET', headers, agent: false })
    let res: IncomingMessage | undefined
    const onAbort = () => {
      const error = probeError(signal.reason)
      req.destroy(error)
      res?.destroy(error)
    }
    signal.addEventListener('abort', onAbort, { once: true })
    req.once('socket', (socket) => {
      socket.once('lookup', () => lap('dns'))
      socket.once('connect', () => lap('connect'))
      socket.once('secureConnect', () => lap('tls'))
    })
    req.once('response', (response) => {
      lap('firstByte')
      res = response
      response.once('close', () => signal.removeEventListener('abort', onAbort))
      resolve(response)
    })
    req.once('error', (error) => {
      signal.removeEventListener('abort', onAbort)
      reject(probeError(error))
    })
    req.end()
  })
}

/** The body as received, failing with `body_too_large` past `max` bytes; `count` sees every chunk. */
export async function* boundedBody(
  body: AsyncIterable<Buffer>,
  max: number,
  count: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  let total = 0
  for await (const chunk of body) {
    total += chunk.length
    count(chunk.length)
    if (total > max) throw new ProbeError(`the body is larger than ${max} bytes`, 'body_too_large')
    yield chunk
  }
}

/** A network or HTTP error as the ProbeError naming the phase that failed. */
export function probeError(error: unknown): ProbeError {
  if (error instanceof ProbeError) return error
  const { code = '', message = String(error) } = (error ?? {}) as NodeJS.ErrnoException
  const text = code === '' ? message : `${code}: ${message}`
  if (/^(ENOTFOUND|EAI_)/.test(code)) return new ProbeError(`DNS: ${text}`, 'dns', { cause: error })
  if (/^(ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EADDRNOTAVAIL|EHOSTDOWN)$/.test(code)) {
    return new ProbeError(`connect: ${text}`, 'connect', { cause: error })
  }
  if (code === 'ETIMEDOUT') return new ProbeError(`timeout: ${text}`, 'timeout', { cause: error })
  if (
    /^(ERR_TLS_|ERR_SSL_|ERR_OSSL_|CERT_)/.test(code) ||
    /SELF_SIGNED|UNABLE_TO_|DEPTH_ZERO|HOSTNAME_MISMATCH|_CERT_/.test(code)
  ) {
    return new ProbeError(`TLS: ${text}`, 'tls', { cause: error })
  }
  if (code === 'ECONNRESET' || code === 'EPIPE' || /^aborted$|socket hang up/.test(message)) {
    return new ProbeError(`connection reset: ${text}`, 'reset', { cause: error })
  }
  if (code.startsWith('HPE_')) return new ProbeError(`HTTP protocol: ${text}`, 'protocol', { cause: error })
  return new ProbeError(text, 'other', { cause: error })
}

export function clip(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text
}
