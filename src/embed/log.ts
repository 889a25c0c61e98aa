/**
 * The faces' log lines: each violation and each block, with the `msg` and fields of `tagwarden proxy`
 * (src/proxy/log-lines.ts), so that one set of log queries fits the proxy and every face. A logger
 * that throws never affects the response: what it throws becomes a process warning.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { TagwardenError } from '../errors.js'
import type { Violation } from '../inspect/verdict.js'
import { blockFields, violationFields, VIOLATION_MSG } from '../proxy/log-lines.js'

/**
 * A pino-compatible logger, typed by shape so that pino, Fastify's `request.log`, pino-http's `req.log`
 * (or `console`) all fit. Lines are written as `logger.warn(fields, msg)`.
 */
export interface EmbedLogger {
  info(obj: object, msg: string): void
  warn(obj: object, msg: string): void
  error(obj: object, msg: string): void
  debug(obj: object, msg: string): void
}

const LEVELS = ['info', 'warn', 'error', 'debug'] as const

export function isLogger(value: unknown): value is EmbedLogger {
  if (value === null || typeof value !== 'object') return false
  return LEVELS.every((level) => typeof (value as Record<string, unknown>)[level] === 'function')
}

/** What a face knows of the request a response answers. */
export interface RequestInfo {
  /** The request's own logger (Fastify's `request.log`, pino-http's `req.log`), if it has one. */
  logger?: unknown
  /** The request's own id (Fastify's `request.id`, pino-http's `req.id`), if it has one. */
  id?: unknown
  method: string | undefined
  /** The document URL's path. */
  path: string
}

/** What a Node request tells (wrapHandler, middleware, attachInspector): pino-http's `req.log`, `req.id`. */
export function nodeRequestInfo(req: IncomingMessage, url: URL): RequestInfo {
  const { log, id } = req as IncomingMessage & { log?: unknown; id?: unknown }
  return { logger: log, id, method: req.method, path: url.pathname }
}

/** Where one response's lines go, with the fields that name its request. */
export class RequestLog {
  /** The id the block page shows, and the `reqId` of the lines. */
  readonly requestId: string
  readonly #logger: EmbedLogger | undefined
  readonly #fields: Record<string, unknown>

  /**
   * The face's `logger` option wins; else the request's own logger, which already carries the request
   * id (Fastify binds `reqId`, pino-http `req.id`): `reqId` is then not repeated.
   */
  constructor(logger: EmbedLogger | undefined, site: string, request: RequestInfo) {
    const id = request.id
    this.requestId = typeof id === 'string' || typeof id === 'number' ? String(id) : randomUUID()
    const own = logger === undefined && isLogger(request.logger)
    this.#logger = own ? (request.logger as EmbedLogger) : logger
    const named = { site, method: request.method, path: request.path }
    this.#fields = own ? named : { reqId: this.requestId, ...named }
  }

  violation(violation: Violation, action: 'blocked' | 'reported'): void {
    this.#warn(violationFields(violation, action), VIOLATION_MSG)
  }

  /** The gate refused the response: replaced by the block page, or `cut` after its head went out. */
  blocked(refusal: TagwardenError, cut: boolean): void {
    this.#warn(blockFields(refusal, cut), refusal.message)
  }

  #warn(fields: Record<string, unknown>, msg: string): void {
    if (this.#logger === undefined) return
    try {
      this.#logger.warn({ ...this.#fields, ...fields }, msg)
    } catch (error) {
      // The caller's logger must not decide the response, as with onViolation.
      process.emitWarning(`tagwarden: the logger threw: ${(error as Error)?.message ?? String(error)}`, {
        type: 'TagwardenWarning',
        code: 'TW_WARN_LOGGER',
      })
    }
  }
}
