/**
 * The endpoint visitors' browsers send CSP reports to (issue 14): a path of the site's own host,
 * answered by the proxy itself and never forwarded upstream. A report is counted by directive (a
 * fixed label set) and logged as one JSON line; a body over 64 KiB, a client over its rate, a
 * malformed body or another method is refused and counted by reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { ReportRejection, TagwardenMetrics } from '../metrics/metrics.js'
import { parseBrowserReports, ReportError } from './csp-reports.js'

/** Browsers' report bodies are small; a batch of the Reporting API stays well under this. */
export const MAX_REPORT_BYTES = 64 * 1024

/**
 * Per client address: a burst of 100 reports (a page with many violations sends one POST each over
 * `report-uri`), refilled at 10 a second.
 */
const BURST = 100
const PER_SECOND = 10
/** Addresses remembered at most; the oldest is forgotten first (a bound on memory, not on fairness). */
const MAX_CLIENTS = 10_000

/** A token bucket per client address. */
export class ReportRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>()

  /** Whether `client` may send one more report now (and takes the token if so). */
  take(client: string, now = performance.now()): boolean {
    let bucket = this.#buckets.get(client)
    if (bucket === undefined) {
      if (this.#buckets.size >= MAX_CLIENTS) this.#buckets.delete(this.#buckets.keys().next().value!)
      bucket = { tokens: BURST, at: now }
      this.#buckets.set(client, bucket)
    }
    bucket.tokens = Math.min(BURST, bucket.tokens + ((now - bucket.at) / 1000) * PER_SECOND)
    bucket.at = now
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }
}

export interface ReportContext {
  site: string
  metrics: TagwardenMetrics
  log: Logger
  limiter: ReportRateLimiter
}

/** Answer one request to the report path; resolves with the status sent and the body bytes. */
export async function answerReport(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ReportContext,
): Promise<{ status: number; bytes: number }> {
  const refuse = (status: number, reason: ReportRejection, text: string, headers = {}) => {
    ctx.metrics.browserReportsRejected.inc({ site: ctx.site, reason })
    return send(res, status, `${text}\n`, headers)
  }
  if (req.method !== 'POST') {
    req.resume()
    return refuse(405, 'method', 'the report endpoint takes POST', { allow: 'POST' })
  }
  if (!ctx.limiter.take(req.socket.remoteAddress ?? '')) {
    req.resume()
    return refuse(429, 'rate_limited', 'too many reports', { 'retry-after': '10' })
  }
  const body = await readBounded(req, MAX_REPORT_BYTES)
  if (body === undefined) {
    // The rest of the body is not read: the connection ends with the answer.
    return refuse(413, 'too_large', `a report body is at most ${MAX_REPORT_BYTES} bytes`, {
      connection: 'close',
    })
  }
  let reports
  try {
    reports = parseBrowserReports(req.headers['content-type'], body)
  } catch (error) {
    if (!(error instanceof ReportError)) throw error
    return refuse(400, 'malformed', error.message)
  }
  for (const report of reports) {
    ctx.metrics.browserReports.inc({ site: ctx.site, directive: report.directive })
    ctx.log.warn({ ...report }, 'browser report')
  }
  return send(res, 204, '')
}

/** The body, or undefined as soon as it passes `max` bytes (a Content-Length over it: at once). */
function readBounded(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  if (Number(req.headers['content-length'] ?? 0) > max) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      parts.push(chunk)
      if (size <= max) return
      req.off('data', onData)
      req.pause()
      resolve(undefined)
    }
    req.on('data', onData)
    req.once('end', () => resolve(Buffer.concat(parts)))
    req.once('error', reject)
  })
}

function send(
  res: ServerResponse,
  status: number,
  text: string,
  headers: Record<string, string> = {},
): { status: number; bytes: number } {
  const body = Buffer.from(text)
  res.writeHead(status, {
    ...headers,
    ...(body.length > 0 ? { 'content-type': 'text/plain; charset=utf-8' } : {}),
    'content-length': body.length,
    'cache-control': 'no-store',
  })
  res.end(body)
  return { status, bytes: body.length }
}
