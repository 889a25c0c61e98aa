/** What the proxy itself answers: which responses it inspects, its error and block responses. */
import type { ServerResponse } from 'node:http'
import { isInspectedType } from '../inspect/core.js'

/**
 * Whether a response is inspected: the inspector's content-type rule (isInspectedType), decided
 * here so that other responses skip the inspector entirely. A response to HEAD, a 1xx, 204 or 304
 * has no body to inspect (RFC 9110 §6.4.1). A 206 carries a range of a representation (RFC 9110
 * §15.3.7), which browsers request for media and resumed downloads, never for a document they
 * render: judged as a whole document, a fragment would be misread and range requests blocked.
 */
export function isInspected(
  method: string | undefined,
  status: number,
  contentType: string | undefined,
): boolean {
  if (method === 'HEAD' || status < 200 || status === 204 || status === 206 || status === 304) return false
  return isInspectedType(contentType)
}

/**
 * Headers the gate does not hold: set now, sent with the first body bytes in one socket write (as
 * http-proxy's own pass-through sends them: a write per response is what a proxy spends most on),
 * or alone if no body byte has been written by the end of this turn of the event loop (a slow
 * upstream: a streaming response's client still sees them at once).
 */
export function sendHeadersSoon(res: ServerResponse, head: () => void, bodyStarted: () => boolean): void {
  head()
  setImmediate(() => {
    if (!bodyStarted() && !res.writableEnded && !res.destroyed) res.flushHeaders()
  })
}

export const DEFAULT_BLOCK_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>502 Blocked</title></head>
<body><h1>502 Blocked</h1>
<p>This page was withheld by tagwarden: it contained markup the site does not allow, or could not be checked.</p>
<p>Request ID: {{requestId}}</p></body></html>
`

const REASONS: Record<number, string> = {
  400: 'bad request',
  421: 'misdirected request: no site is configured for this host',
  502: 'bad gateway: the upstream failed',
  504: 'gateway timeout: the upstream did not answer in time',
}

/** Sends a whole response; returns the body bytes written (none for HEAD, or when it can only cut). */
function send(res: ServerResponse, status: number, type: string, body: string): number {
  if (res.headersSent || res.destroyed) {
    res.destroy()
    return 0
  }
  const length = Buffer.byteLength(body)
  res.writeHead(status, { 'content-type': type, 'content-length': length, 'cache-control': 'no-store' })
  const head = res.req.method === 'HEAD'
  res.end(head ? undefined : body)
  return head ? 0 : length
}

/** A short plain-text error: 400, 421, 502, 504. Returns the body bytes written. */
export function errorResponse(res: ServerResponse, status: number, requestId?: string): number {
  const id = requestId === undefined ? '' : ` (request ${requestId})`
  return send(res, status, 'text/plain; charset=utf-8', `${status} ${REASONS[status] ?? 'error'}${id}\n`)
}

/** The 502 block page; `{{requestId}}` in it is replaced. Returns the body bytes written. */
export function blockedResponse(res: ServerResponse, page: string | undefined, requestId: string): number {
  return send(
    res,
    502,
    'text/html; charset=utf-8',
    (page ?? DEFAULT_BLOCK_PAGE).replaceAll('{{requestId}}', requestId),
  )
}
