/**
 * `wrapHandler(handler, options)`: a node:http request handler whose HTML responses pass through the
 * inspector, whatever mix of writeHead/setHeader/write/end/flushHeaders/pipe the handler uses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { InvalidOptionError } from '../errors.js'
import { interceptResponse } from './intercept.js'
import { resolveEmbedOptions, type EmbedOptions } from './options.js'

/** A handler from wrapHandler; `ready` is resolved (the policy is read when it is wrapped). */
export type WrappedHandler<Req extends IncomingMessage, Res extends ServerResponse> = ((
  req: Req,
  res: Res,
) => unknown) & { readonly ready: Promise<void> }

/**
 * Wrap a node:http request handler: `createServer(wrapHandler(handler, { policy }))`. The handler is
 * called as before, with the same `req` and `res`, and its return value (a promise, for an async
 * handler) is returned: what it throws reaches the caller as it would without tagwarden. A policy
 * that cannot be read or is invalid throws here, when the handler is wrapped.
 */
export function wrapHandler<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(handler: (req: Req, res: Res) => unknown, options: EmbedOptions<Req>): WrappedHandler<Req, Res> {
  if (typeof handler !== 'function') throw new InvalidOptionError('wrapHandler: handler must be a function')
  const embedding = resolveEmbedOptions(options, 'wrapHandler')
  const wrapped = (req: Req, res: Res): unknown => {
    interceptResponse(req, res, embedding, embedding.policy)
    return handler(req, res)
  }
  return Object.assign(wrapped, { ready: embedding.ready })
}
