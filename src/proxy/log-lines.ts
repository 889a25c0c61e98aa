/**
 * The log lines the proxy and the embedding faces share — a violation, a block, the proxy's access
 * line — built in one place, so that one set of log queries fits `tagwarden proxy` and every face.
 */
import type { Logger } from 'pino'
import type { TagwardenError } from '../errors.js'
import type { Violation } from '../inspect/verdict.js'
import type { ResponseVerdict } from '../metrics/metrics.js'

/** The `msg` of a violation line (a block line's `msg` is the refusal's message). */
export const VIOLATION_MSG = 'violation'
/** The `msg` of the access line. */
export const ACCESS_MSG = 'request'

/** How long the offending URL or inline code may be in a line. */
const MAX_LOGGED_VALUE = 200

/** A violation line's own fields (the request's — reqId, site, method, path — go beside them). */
export function violationFields(
  violation: Violation,
  action: 'blocked' | 'reported',
): Record<string, unknown> {
  return {
    directive: violation.directive,
    element: violation.element,
    attribute: violation.attribute,
    url: (violation.url ?? violation.value).slice(0, MAX_LOGGED_VALUE),
    line: violation.line,
    column: violation.column,
    action,
  }
}

/**
 * A block line's own fields: the refusal's code, the limit if one was hit, and whether the response
 * was cut (its head had gone out) rather than replaced by the 502 block page.
 */
export function blockFields(refusal: TagwardenError, cut: boolean): Record<string, unknown> {
  return { code: refusal.code, limit: (refusal as { limit?: string }).limit, cut }
}

/** The access line: one per request the proxy answers, as pino-http writes one. */
export interface AccessLine {
  reqId: string
  /** The site the Host picked; none for a 421 or a 400 answered before a site was found. */
  site: string | undefined
  method: string | undefined
  /** The Host header as sent. */
  host: string | undefined
  /** The path, without the query string (which may carry tokens). */
  path: string
  /** The status sent; null when the client left before any was. */
  status: number | null
  verdict: ResponseVerdict
  /** Body bytes written to the client (as sent: compressed stays compressed), headers aside. */
  bytes: number
  /** Whether the response was ended cleanly (false: cut, or the client left first). */
  complete: boolean
  /** From the request's arrival to the end of its exchange. */
  durationMs: number
}

export function logAccess(logger: Logger, line: AccessLine): void {
  logger.info(line, ACCESS_MSG)
}

/** Milliseconds since `start` (a `performance.now()`), to the microsecond. */
export function millisecondsSince(start: number): number {
  return Math.round((performance.now() - start) * 1000) / 1000
}

/** A request target's path without its query string. */
export function pathOnly(target: string | undefined): string {
  const path = target ?? ''
  const query = path.indexOf('?')
  return query < 0 ? path : path.slice(0, query)
}
