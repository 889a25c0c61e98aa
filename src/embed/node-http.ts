/**
 * `wrapHandler(handler, options)`: a node:http request handler whose HTML responses pass through the
 * inspector, whatever mix of writeHead/setHeader/write/end/flushHeaders/pipe the handler uses.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { InvalidOptionError } from '../errors.js'
import { interceptResponse } from './intercept.js'
import { resolveEmbedOptions, type EmbedOptions } from './options.js'
import type { Policy } from '../policy/types.js'

/** A handler from wrapHandler; `ready` settles once its policy is read (at once unless from a file). */
export type WrappedHandler<Req extends IncomingMessage, Res extends ServerResponse> = ((
  req: Req,
  res: Res,
) => unknown) & { readonly ready: Promise<void> }

/**
 * Wrap a node:http request handler: `createServer(wrapHandler(handler, { policy }))`. The handler is
 * called as before, with the same `req` and `res`, and its return value (a promise, for an async
 * handler) is returned: what it throws reaches the caller as it would without tagwarden. While a
 * policy file is being read, requests wait for it; if it cannot be read, they get a 500 and the
 * handler is not called.
 */
export function wrapHandler<
  Req extends IncomingMessage = IncomingMessage,
  Res extends ServerResponse = ServerResponse,
>(handler: (req: Req, res: Res) => unknown, options: EmbedOptions<Req>): WrappedHandler<Req, Res> {
  if (typeof handler !== 'function') throw new InvalidOptionError('wrapHandler: handler must be a function')
  const embedding = resolveEmbedOptions(options, 'wrapHandler')
  const run = (policy: Policy, req: Req, res: Res): unknown => {
    interceptResponse(req, res, embedding, policy)
    return handler(req, res)
  }
  const wrapped = (req: Req, res: Res): unknown => {
    if (embedding.policy !== undefined) return run(embedding.policy, req, res)
    return embedding.loaded.then(
      (policy) => run(policy, req, res),
      () => policyUnavailable(res),
    )
  }
  return Object.assign(wrapped, { ready: embedding.ready })
}

/** Fail closed: the policy file could not be read, so nothing is served unchecked. */
export function policyUnavailable(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return void res.destroy()
  const body = 'tagwarden: the policy could not be loaded\n'
  res.writeHead(500, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(res.req?.method === 'HEAD' ? undefined : body)
}
