/**
 * One request through the proxy, from the client's request to the end of the response: the upstream
 * request's timers, the response path (inspected or not), and the single place where it ends — counted
 * once, logged once, every timer and stream released, whether it completed, was blocked, failed
 * upstream or was abandoned by the client.
 */
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http'
import { Writable } from 'node:stream'
import type { Logger } from 'pino'
import { AbortedError, TagwardenError } from '../errors.js'
import { verdictLabel, type ResponseVerdict, type TagwardenMetrics } from '../metrics/metrics.js'
import { UpstreamError, upstreamError } from './errors.js'
import { endToEndResponseHeaders, judgedHeaders } from './headers.js'
import { blockFields, violationFields, VIOLATION_MSG, type AccessLine } from './log-lines.js'
import type { ResolvedSite } from './options.js'
import { cspHeaderValue, reportingEndpointsValue } from './csp-header.js'
import { directivesForPath } from '../policy/routes.js'
import { pipeStreams } from './pipe-streams.js'
import { blockedResponse, errorResponse, isInspected, sendHeadersSoon } from './responses.js'
import { TimedInspector } from './timed-inspector.js'
import type { Learner } from './live-learn.js'

export interface ExchangeContext {
  site: ResolvedSite
  /** The document URL the policy sees. */
  url: URL
  /** The request target as the client sent it, forwarded as is. */
  path: string
  requestId: string
  log: Logger
  /** Whether `log` writes debug lines: checked first, so that a request that logs nothing makes no child logger. */
  debug: boolean
  metrics: TagwardenMetrics
  blockPage: string | undefined
  /** Writes the access line; the exchange gives what only its end knows. */
  logAccess: (outcome: Pick<AccessLine, 'status' | 'verdict' | 'bytes' | 'complete'>) => void
  onDone: (exchange: Exchange) => void
  /** Send the request upstream again, on a new connection (see `upstreamError`). */
  retry: () => void
  /** The site's live learning, when it learns: every reference on an inspected page goes to it. */
  learner?: Learner
}

/** Safe methods: sent twice, they change nothing (RFC 9110 §9.2.1). */
const RETRYABLE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])

/** A request that may be sent again: a safe method and no body to send twice. */
function retryable(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return (
    RETRYABLE_METHODS.has(req.method ?? '') &&
    req.headers['transfer-encoding'] === undefined &&
    (length === undefined || length === '0')
  )
}

/** Codes with which the inspector itself ends a response (the rest are the upstream's failures). */
const INSPECTOR_CODES = new Set([
  'TW_ERR_BLOCKED',
  'TW_ERR_LIMIT',
  'TW_ERR_CONTENT_DECODING',
  'TW_ERR_UNSUPPORTED_ENCODING',
])

export class Exchange {
  readonly #req: IncomingMessage
  readonly #res: ServerResponse
  readonly #ctx: ExchangeContext
  #proxyReq: ClientRequest | undefined
  #proxyRes: IncomingMessage | undefined
  #inspector: TimedInspector | undefined
  #sink: Writable | undefined
  #connectTimer: NodeJS.Timeout | undefined
  #responseTimer: NodeJS.Timeout | undefined
  #timeout: UpstreamError | undefined
  #clientGone = false
  /** The client left after the upstream's whole body arrived: it is inspected to its end, and dropped. */
  #discarding = false
  /** The client sink's write waiting for the client to drain. */
  #awaitingClient: (() => void) | undefined
  /** The upstream's body has ended: it can no longer be silent. */
  #upstreamEnded = false
  #done = false
  /** Whether a body byte has been written to the client (the headers went with it). */
  #bodyStarted = false
  #retried = false
  /** Body bytes written to the client: the access line's `bytes`. */
  #bytesSent = 0

  constructor(req: IncomingMessage, res: ServerResponse, ctx: ExchangeContext) {
    this.#req = req
    this.#res = res
    this.#ctx = ctx
    res.once('close', () => this.#onClientClose())
  }

  /** The upstream request exists and has a socket (http-proxy's `proxyReq`). */
  attach(proxyReq: ClientRequest): void {
    this.#proxyReq = proxyReq
    if (this.#done || this.#clientGone) {
      proxyReq.destroy()
      return
    }
    // http-proxy rebuilds the path and folds `//` into `/`: send the client's target unchanged. The
    // agents have no socket limit, so `proxyReq` (emitted on socket assignment) precedes the headers.
    if (!proxyReq.headersSent) proxyReq.path = this.#ctx.path
    const socket = proxyReq.socket
    if (socket?.connecting) {
      this.#connectTimer = setTimeout(() => this.#timedOut('connect'), this.#ctx.site.connectTimeout)
      socket.once('connect', () => clearTimeout(this.#connectTimer))
    }
    // The response timeout runs once the whole request is sent: a slow upload is the client's time.
    proxyReq.once('finish', () => this.#armResponseTimer())
  }

  /** The upstream's response headers have arrived (http-proxy's `proxyRes`). */
  respond(proxyRes: IncomingMessage): void {
    try {
      this.#respond(proxyRes)
    } catch (error) {
      // writeHead refused what the upstream sent (e.g. a status Node cannot send): a protocol failure.
      this.#responseFailed(new UpstreamError(`upstream protocol: ${(error as Error).message}`, 'protocol'))
      proxyRes.destroy()
    }
  }

  #respond(proxyRes: IncomingMessage): void {
    this.#proxyRes = proxyRes
    if (this.#done || this.#clientGone) {
      proxyRes.destroy()
      return
    }
    clearTimeout(this.#connectTimer)
    this.#armResponseTimer()
    const { site, url } = this.#ctx
    const res = this.#res
    const status = proxyRes.statusCode ?? 502
    // The upstream's headers as sent: no Date of ours where it sent none.
    res.sendDate = false
    const judged = judgedHeaders(proxyRes)
    const inspected = isInspected(this.#req.method, status, judged['content-type'])
    const headers = endToEndResponseHeaders(proxyRes)
    if (inspected && site.csp.header !== 'off') headers.push(...cspHeaders(site, url))
    const head = (): void => {
      if (!res.headersSent) res.writeHead(status, proxyRes.statusMessage, headers)
    }
    let inspector: TimedInspector | undefined
    if (inspected) {
      const learner = this.#ctx.learner
      inspector = new TimedInspector(
        {
          policy: site.policy,
          url,
          headers: judged,
          action: site.action,
          onLimit: site.onLimit,
          limits: site.limits,
        },
        learner === undefined ? undefined : (finding) => learner.add(finding, url.pathname),
      )
      inspector.on('violation', (v) => {
        const action = site.action === 'block' ? 'blocked' : 'reported'
        this.#ctx.metrics.violations.inc({ site: site.name, directive: v.directive, action })
        this.#ctx.log.warn(violationFields(v, action), VIOLATION_MSG)
      })
      this.#inspector = inspector
    }
    // Headers wait for the first byte the gate releases only when the gate can still refuse the
    // response: then a block before it is a clean 502 rather than a cut.
    if (!inspected || (site.action === 'report' && site.onLimit === 'pass')) {
      sendHeadersSoon(res, head, () => this.#bodyStarted)
    }
    this.#sink = this.#clientSink(head)
    const stages = inspector ? [proxyRes, inspector, this.#sink] : [proxyRes, this.#sink]
    pipeStreams(stages, (error) =>
      error === undefined ? this.#finish('skipped') : this.#responseFailed(error),
    )
    proxyRes.on('data', () => this.#armResponseTimer())
    proxyRes.once('end', () => {
      this.#upstreamEnded = true
      clearTimeout(this.#responseTimer)
    })
  }

  /** http-proxy's error callback: the upstream request failed (or was destroyed by a timeout). */
  upstreamError(error: unknown): void {
    if (this.#done) return
    if (this.#proxyRes !== undefined) {
      if (this.#proxyRes.complete && this.#timeout === undefined) {
        // The whole body the response declared has arrived; what failed came after it (a stray byte
        // after a Content-Length body): the upstream's error, logged and counted, not the page's.
        this.#countUpstreamError(upstreamError(error))
        return
      }
      // Mid-response: the response pipeline sees the same failure and ends the exchange.
      this.#proxyRes.destroy(this.#timeout ?? upstreamError(error))
      return
    }
    if (this.#clientGone) return this.#finish('error')
    if (
      this.#timeout === undefined &&
      !this.#retried &&
      this.#proxyReq?.reusedSocket === true &&
      retryable(this.#req)
    ) {
      // A pooled connection the upstream had just closed (its keep-alive timeout racing our reuse):
      // nothing of a response came, so a safe request is sent once more, on a new connection — as
      // mature proxies do. Never a request with a body.
      this.#retried = true
      this.#proxyReq = undefined
      clearTimeout(this.#connectTimer)
      clearTimeout(this.#responseTimer)
      this.#responseTimer = undefined
      if (this.#ctx.debug) this.#ctx.log.debug({ err: error }, 'reused connection failed: retrying')
      this.#ctx.retry()
      return
    }
    const failure = this.#timeout ?? upstreamError(error)
    this.#countUpstreamError(failure)
    this.#bytesSent += errorResponse(this.#res, failure.kind === 'timeout' ? 504 : 502, this.#ctx.requestId)
    this.#finish('error')
  }

  /** Shutting down: this response is the connection's last. */
  lastOnConnection(closeIdle: () => void): void {
    if (!this.#res.headersSent) this.#res.setHeader('connection', 'close')
    else this.#res.once('finish', closeIdle)
  }

  /** The shutdown grace period is over: cut it. */
  abort(): void {
    this.#res.destroy()
  }

  #clientSink(head: () => void): Writable {
    const res = this.#res
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.#discarding) return callback()
        head()
        this.#bodyStarted = true
        this.#bytesSent += chunk.length
        if (res.write(chunk)) return callback()
        // The client is slower than the upstream, which backpressure pauses: not upstream silence.
        this.#awaitingClient = callback
        clearTimeout(this.#responseTimer)
        this.#responseTimer = undefined
        res.once('drain', this.#clientDrained)
      },
      final: (callback) => {
        if (!this.#discarding) {
          head()
          res.end()
        }
        callback()
      },
      destroy: (error, callback) => {
        res.removeListener('drain', this.#clientDrained)
        this.#awaitingClient = undefined
        callback(error)
      },
    })
  }

  readonly #clientDrained = (): void => {
    const callback = this.#awaitingClient
    this.#awaitingClient = undefined
    this.#armResponseTimer()
    callback?.()
  }

  #responseFailed(error: unknown): void {
    if (this.#clientGone) return this.#finish('skipped')
    const res = this.#res
    if (error instanceof TagwardenError && INSPECTOR_CODES.has(error.code)) {
      // Blocked (a violation, or a limit with onLimit: block): no byte of what follows goes out.
      this.#ctx.log.warn(blockFields(error, res.headersSent), error.message)
      if (res.headersSent) res.destroy()
      else this.#bytesSent += blockedResponse(res, this.#ctx.blockPage, this.#ctx.requestId)
      return this.#finish('error')
    }
    const failure = this.#timeout ?? upstreamError(error)
    this.#countUpstreamError(failure)
    if (res.headersSent) res.destroy()
    else this.#bytesSent += errorResponse(res, failure.kind === 'timeout' ? 504 : 502, this.#ctx.requestId)
    this.#finish('skipped')
  }

  #countUpstreamError(error: UpstreamError): void {
    this.#ctx.metrics.upstreamErrors.inc({ site: this.#ctx.site.name, kind: error.kind })
    this.#ctx.log.error({ code: error.code, kind: error.kind, cut: this.#res.headersSent }, error.message)
  }

  #onClientClose(): void {
    if (this.#done || this.#res.writableFinished) return
    this.#clientGone = true
    if (this.#ctx.debug) this.#ctx.log.debug('client closed the connection before the response ended')
    if (this.#inspector !== undefined && this.#sink !== undefined && this.#proxyRes?.complete) {
      // The upstream's whole body is here, and the client may well have all of it (a client that
      // sent `Connection: close`, or a keep-alive client leaving, closes right after the last byte):
      // it is inspected to its end and counted — report exists to count what was delivered — and
      // only the output is dropped. Bounded: nothing more comes from the upstream, and the limits
      // bound the inspection.
      this.#discarding = true
      this.#res.removeListener('drain', this.#clientDrained)
      this.#clientDrained()
      return
    }
    this.#proxyReq?.destroy()
    if (this.#sink !== undefined) this.#sink.destroy(new AbortedError('the client closed the connection'))
    else if (this.#proxyReq === undefined || this.#proxyRes === undefined) this.#finish('error')
  }

  #armResponseTimer(): void {
    if (this.#done || this.#awaitingClient !== undefined || this.#upstreamEnded) return
    // Re-armed on every chunk from the upstream: refresh() reuses the timer (a cleared one cannot be).
    if (this.#responseTimer !== undefined) this.#responseTimer.refresh()
    else this.#responseTimer = setTimeout(() => this.#timedOut('response'), this.#ctx.site.responseTimeout)
  }

  #timedOut(phase: 'connect' | 'response'): void {
    const ms = phase === 'connect' ? this.#ctx.site.connectTimeout : this.#ctx.site.responseTimeout
    const what = phase === 'connect' ? 'could not connect' : 'sent nothing'
    this.#timeout = new UpstreamError(`upstream timeout: ${what} within ${ms} ms`, 'timeout')
    this.#proxyReq?.destroy(this.#timeout)
    this.#proxyRes?.destroy(this.#timeout)
  }

  /** Ends the exchange once. `verdict` is the label when nothing was inspected; else the inspector's counts. */
  #finish(verdict: ResponseVerdict): void {
    if (this.#done) return
    this.#done = true
    clearTimeout(this.#connectTimer)
    clearTimeout(this.#responseTimer)
    const { metrics, site } = this.#ctx
    const inspector = this.#inspector
    // The verdict settles when the inspector has flushed or been destroyed, which pipeline() has awaited.
    void (inspector?.verdict ?? Promise.resolve(undefined)).then((v) => {
      const label = v === undefined ? verdict : verdictLabel(v)
      metrics.responses.inc({ site: site.name, verdict: label })
      if (v !== undefined) {
        metrics.inspectedBytes.inc({ site: site.name }, v.bytes)
        metrics.inspectionSeconds.observe({ site: site.name }, inspector!.seconds)
      }
      const res = this.#res
      this.#ctx.logAccess({
        status: res.headersSent ? res.statusCode : null,
        verdict: label,
        bytes: this.#bytesSent,
        complete: res.writableEnded,
      })
      this.#ctx.onDone(this)
    })
  }
}

/**
 * The site's CSP header for this document, beside any the upstream sent (browsers enforce each policy
 * on its own), with the report endpoint on the site's own host.
 */
function cspHeaders(site: ResolvedSite, url: URL): string[] {
  const name =
    site.csp.header === 'enforce' ? 'Content-Security-Policy' : 'Content-Security-Policy-Report-Only'
  const { reportPath, reportTo } = site.csp
  const value = cspHeaderValue(directivesForPath(site.policy, url.pathname), reportPath, reportTo)
  return reportTo ? [name, value, 'Reporting-Endpoints', reportingEndpointsValue(reportPath)] : [name, value]
}
