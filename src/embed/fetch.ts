/**
 * `inspectResponse(response, options)`: a WHATWG Response in, a Response with a gated body out, for
 * fetch-style servers (undici, Hono on Node, route handlers).
 */
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import { InvalidOptionError } from '../errors.js'
import type { Policy } from '../policy/types.js'
import { isInspected } from '../proxy/responses.js'
import { forwardedUrl } from './document-url.js'
import {
  blockPageHtml,
  countResponse,
  detachableOutput,
  gateReleased,
  requestLog,
  startInspection,
} from './inspection.js'
import type { RequestInfo } from './log.js'
import { gateCanRefuse, resolveEmbedOptions, type EmbedOptions, type Embedding } from './options.js'

export interface InspectResponseOptions extends EmbedOptions<Request | undefined> {
  /**
   * The request the response answers: its URL is the document URL (see `trustProxy`), its method tells
   * a HEAD, and `onViolation` gets it. Default none.
   */
  request?: Request
  /** The document URL. Default: the request's URL, else `response.url`, else `http://localhost/`. */
  url?: string | URL
}

/**
 * Gate a Response's body: `return inspectResponse(await render(request), { policy, request })`.
 *
 * Resolves with the same Response when it is not inspected (not HTML, HEAD, 1xx/204/304), else with a
 * new one — same status, status text and headers — whose body is the original's, released by the
 * gate. When the gate can refuse (action `block`, or `onLimit: 'block'`) it resolves only once the
 * first byte is released (or the body ended), so that a block before it still becomes a 502 block
 * page Response; a block after it errors the body stream, and the server then cuts the connection.
 * An error of the original body before its first byte rejects.
 *
 * The body is read as its Content-Encoding says: `fetch()` decompresses bodies but keeps the header,
 * so remove Content-Encoding and Content-Length from a fetched response first (as you must before
 * sending it on). Options are resolved per call; inline policy objects and CSP strings are parsed
 * once and a policy file is read once per process.
 */
export async function inspectResponse(
  response: Response,
  options: InspectResponseOptions,
): Promise<Response> {
  if (response === null || typeof response !== 'object' || typeof response.headers?.get !== 'function') {
    throw new InvalidOptionError('inspectResponse: response must be a WHATWG Response')
  }
  const embedding = resolveEmbedOptions(options, 'inspectResponse')
  const { policy } = embedding
  const { request } = options
  let url: URL
  try {
    url = new URL(options.url ?? request?.url ?? (response.url || 'http://localhost/'))
  } catch {
    throw new InvalidOptionError(
      `inspectResponse: options.url must be an absolute URL, got ${String(options.url)}`,
    )
  }
  if (embedding.trustProxy && request !== undefined)
    url = forwardedUrl(url, (name) => request.headers.get(name))
  const info = { method: request?.method, path: url.pathname }
  return (await gateResponse(embedding, policy, response, url, request, info)).response
}

/** The work of inspectResponse, shared with the Fastify plugin (a handler may send a Response). */
export async function gateResponse<Req>(
  embedding: Embedding<Req>,
  policy: Policy,
  response: Response,
  url: URL,
  req: Req,
  info: RequestInfo,
): Promise<{ response: Response; blocked: boolean }> {
  if (!isInspected(info.method, response.status, response.headers.get('content-type') ?? undefined)) {
    countResponse(embedding, 'skipped')
    return { response, blocked: false }
  }
  if (response.bodyUsed) throw new InvalidOptionError('inspectResponse: the response body was already read')
  const log = requestLog(embedding, info)
  const inspector = startInspection(embedding, policy, req, url, response.headers, log)
  // Whoever reads the body sees its errors; until then they must not be uncaught.
  inspector.on('error', () => {})
  if (response.body === null) {
    inspector.end()
    inspector.resume()
    return { response, blocked: false }
  }
  pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), inspector, () => {})
  if (gateCanRefuse(embedding.settings, policy) && (await gateReleased(inspector, log)) !== undefined) {
    return { response: blockedFetchResponse(embedding, log.requestId), blocked: true }
  }
  const body = Readable.toWeb(detachableOutput(inspector)) as unknown as ReadableStream<Uint8Array>
  const gated = new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  })
  return { response: gated, blocked: false }
}

function blockedFetchResponse<Req>(embedding: Embedding<Req>, requestId: string): Response {
  return new Response(blockPageHtml(embedding, requestId), {
    status: 502,
    statusText: 'Bad Gateway',
    headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  })
}
