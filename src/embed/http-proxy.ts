/**
 * `attachInspector(proxy, options)`: for an http-proxy server of your own, the response path of
 * `tagwarden proxy` — the upstream's status line and headers as sent (hop-by-hop ones aside, no Date
 * added), an HTML body through the gate, the head held until its first released byte, the 502 block
 * page before it and a cut after it, counted with the proxy's metrics. `httpProxyMiddlewarePlugin`:
 * the same, as a plugin of http-proxy-middleware 3 (whose http-proxy server is its own).
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { pipeline, Writable } from 'node:stream'
import { AbortedError, InvalidOptionError } from '../errors.js'
import type { Policy } from '../policy/types.js'
import { upstreamError } from '../proxy/errors.js'
import { endToEndResponseHeaders, judgedHeaders } from '../proxy/headers.js'
import { blockedResponse, errorResponse, isInspected, sendHeadersSoon } from '../proxy/responses.js'
import type { TimedInspector } from '../proxy/timed-inspector.js'
import { documentUrl } from './document-url.js'
import { countResponse, isRefusal, requestLog, startInspection } from './inspection.js'
import { nodeRequestInfo, type RequestLog } from './log.js'
import { gateCanRefuse, resolveEmbedOptions, type EmbedOptions, type Embedding } from './options.js'

type ProxyResListener = (proxyRes: IncomingMessage, req: IncomingMessage, res: ServerResponse) => void

/**
 * The parts of an http-proxy server (`httpProxy.createProxyServer(…)`) attachInspector uses; its types
 * are not imported, so that tagwarden's declarations do not depend on @types/http-proxy.
 */
export interface HttpProxyLike {
  // http-proxy's Server is generic in its request and response types (unions when inferred from an
  // inline createProxyServer call), so its listeners' parameters are not typed as ours: loosely here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  on(event: 'proxyRes', listener: (...args: any[]) => void): unknown
  // @types/http-proxy declares removeListener for `() => void` listeners only.
  removeListener(event: 'proxyRes', listener: (...args: never[]) => void): unknown
  options?: { selfHandleResponse?: boolean }
}

export interface AttachedInspector {
  /** Resolved: the policy is read when the inspector is attached. */
  readonly ready: Promise<void>
  /** Remove the `proxyRes` listener: later responses are no longer answered by tagwarden. */
  detach(): void
}

/**
 * Install tagwarden's `proxyRes` handling on an http-proxy server created with
 * `{ selfHandleResponse: true }` (http-proxy then leaves the response to its listeners; other
 * listeners must not write it). Errors before the upstream's response (refused, timeout) remain the
 * proxy's own `error` event or `web()` callback; a failure mid-body is counted in
 * `tagwarden_upstream_errors_total` and cuts the response (or is a 502 when nothing was sent).
 */
export function attachInspector(
  proxy: HttpProxyLike,
  options: EmbedOptions<IncomingMessage>,
): AttachedInspector {
  if (proxy === null || typeof proxy !== 'object' || typeof proxy.on !== 'function') {
    throw new InvalidOptionError('attachInspector: proxy must be an http-proxy server')
  }
  if (proxy.options?.selfHandleResponse !== true) {
    throw new InvalidOptionError(
      'attachInspector: create the proxy with { selfHandleResponse: true }, or it sends responses itself',
    )
  }
  const embedding = resolveEmbedOptions(options, 'attachInspector')
  const listener = listen(proxy, embedding)
  return { ready: embedding.ready, detach: () => void proxy.removeListener('proxyRes', listener) }
}

/**
 * A plugin of http-proxy-middleware 3 (`createProxyMiddleware({ plugins: […] })`): hpm calls it with
 * its http-proxy server and its own options. `ready` is resolved: the policy is read when the plugin
 * is created.
 */
export interface HttpProxyMiddlewarePlugin {
  (proxyServer: HttpProxyLike, options: { selfHandleResponse?: boolean }): void
  readonly ready: Promise<void>
}

/**
 * tagwarden as a plugin of http-proxy-middleware 3:
 *
 *   createProxyMiddleware({
 *     target,
 *     selfHandleResponse: true,
 *     plugins: [httpProxyMiddlewarePlugin({ policy })],
 *   })
 *
 * hpm creates its http-proxy server without options and gives its own with each request, so
 * `selfHandleResponse` is read from hpm's options, which hpm hands to its plugins: without it,
 * createProxyMiddleware throws InvalidOptionError. Other `proxyRes` listeners (`on.proxyRes`) must not
 * write the response. Errors before the upstream's response stay hpm's (its default error response,
 * or your `on.error`).
 */
export function httpProxyMiddlewarePlugin(options: EmbedOptions<IncomingMessage>): HttpProxyMiddlewarePlugin {
  const embedding = resolveEmbedOptions(options, 'httpProxyMiddlewarePlugin')
  const plugin = (proxyServer: HttpProxyLike, hpmOptions: { selfHandleResponse?: boolean }): void => {
    if (hpmOptions?.selfHandleResponse !== true) {
      throw new InvalidOptionError(
        'httpProxyMiddlewarePlugin: create the middleware with createProxyMiddleware({ ' +
          'selfHandleResponse: true, … }), or http-proxy-middleware sends responses itself',
      )
    }
    listen(proxyServer, embedding)
  }
  return Object.assign(plugin, { ready: embedding.ready })
}

/** Answer each of the proxy's responses with tagwarden's handling; returns the listener. */
function listen(proxy: HttpProxyLike, embedding: Embedding<IncomingMessage>): ProxyResListener {
  const listener: ProxyResListener = (proxyRes, req, res) =>
    respond(embedding, embedding.policy, proxyRes, req, res)
  proxy.on('proxyRes', listener)
  return listener
}

function respond(
  embedding: Embedding<IncomingMessage>,
  policy: Policy,
  proxyRes: IncomingMessage,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  if (res.destroyed || res.writableEnded) {
    // The client left before the upstream answered.
    proxyRes.destroy()
    return countResponse(embedding, 'error')
  }
  const status = proxyRes.statusCode ?? 502
  res.sendDate = false
  const head = (): void => {
    if (!res.headersSent) res.writeHead(status, proxyRes.statusMessage, endToEndResponseHeaders(proxyRes))
  }
  const inspected = isInspected(req.method, status, judgedHeaders(proxyRes)['content-type'])
    ? inspection(embedding, policy, req, proxyRes)
    : undefined
  const inspector = inspected?.inspector
  if (inspector === undefined) countResponse(embedding, 'skipped')
  // Headers wait for the first released byte only when the gate can still refuse the response.
  let clientGone = false
  const sink = new ClientSink(res, head)
  if (inspector === undefined || !gateCanRefuse(embedding.settings, policy)) {
    sendHeadersSoon(res, head, () => sink.started)
  }
  const onClose = (): void => {
    if (res.writableFinished) return
    clientGone = true
    // The upstream's whole body is here (the client may have all of it and just closed): it is
    // inspected to its end and counted, as `tagwarden proxy` does; only the output is dropped.
    if (inspector !== undefined && proxyRes.complete) sink.discard()
    else sink.destroy(new AbortedError('the client closed the connection before the response ended'))
  }
  res.once('close', onClose)
  const stages = inspector === undefined ? [proxyRes, sink] : [proxyRes, inspector, sink]
  pipeline(stages, (error) => {
    res.removeListener('close', onClose)
    if (!error || clientGone) return
    if (isRefusal(error) && inspected !== undefined) {
      inspected.log.blocked(error, res.headersSent)
      if (res.headersSent) res.destroy()
      else blockedResponse(res, embedding.blockPage, inspected.log.requestId)
      return
    }
    const failure = upstreamError(error)
    embedding.metrics?.upstreamErrors.inc({ site: embedding.site, kind: failure.kind })
    if (res.headersSent) res.destroy()
    else errorResponse(res, 502)
  })
}

/** An HTML response's inspector, and where its lines go. */
function inspection(
  embedding: Embedding<IncomingMessage>,
  policy: Policy,
  req: IncomingMessage,
  proxyRes: IncomingMessage,
): { inspector: TimedInspector; log: RequestLog } {
  const url = documentUrl(req, embedding.trustProxy)
  const log = requestLog(embedding, nodeRequestInfo(req, url))
  return { inspector: startInspection(embedding, policy, req, url, judgedHeaders(proxyRes), log), log }
}

/** Writes released bytes to the client: the head first, then each chunk, honouring backpressure. */
class ClientSink extends Writable {
  readonly #res: ServerResponse
  readonly #head: () => void
  #waiting: (() => void) | undefined
  #discarding = false
  /** Whether a body byte has been written to the client (the headers went with it). */
  started = false

  constructor(res: ServerResponse, head: () => void) {
    super()
    this.#res = res
    this.#head = head
  }

  readonly #drained = (): void => {
    const callback = this.#waiting
    this.#waiting = undefined
    callback?.()
  }

  /** The client has gone: what is still released is dropped, and nothing waits for it. */
  discard(): void {
    this.#discarding = true
    this.#res.removeListener('drain', this.#drained)
    this.#drained()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    if (this.#discarding) return callback()
    this.#head()
    this.started = true
    if (this.#res.write(chunk)) return callback()
    this.#waiting = callback
    this.#res.once('drain', this.#drained)
  }

  override _final(callback: () => void): void {
    if (!this.#discarding) {
      this.#head()
      this.#res.end()
    }
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#res.removeListener('drain', this.#drained)
    this.#waiting = undefined
    callback(error)
  }
}
