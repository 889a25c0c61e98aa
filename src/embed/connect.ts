/**
 * `middleware(options)`: the same interception as wrapHandler, as Connect/Express middleware.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { interceptResponse } from './intercept.js'
import { resolveEmbedOptions, type EmbedOptions } from './options.js'

/** Connect/Express middleware from `middleware()`; `ready` settles once its policy is read. */
export type TagwardenMiddleware<Req extends IncomingMessage = IncomingMessage> = ((
  req: Req,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void) & {
  /** Resolved: the policy is read when the middleware is created. */
  readonly ready: Promise<void>
}

/**
 * Connect/Express middleware: `app.use(middleware({ policy }))`, before the routes whose responses it
 * inspects. With `compression()` registered before it, tagwarden sees the uncompressed body (and the
 * client gets it compressed as before). A handler that throws goes to the framework's error handling
 * as without tagwarden, and an error page it sends is inspected too. A policy that cannot be read or
 * is invalid throws here, when the middleware is created.
 */
export function middleware<Req extends IncomingMessage = IncomingMessage>(
  options: EmbedOptions<Req>,
): TagwardenMiddleware<Req> {
  const embedding = resolveEmbedOptions(options, 'middleware')
  const use = (req: Req, res: ServerResponse, next: (error?: unknown) => void): void => {
    interceptResponse(req, res, embedding, embedding.policy)
    next()
  }
  return Object.assign(use, { ready: embedding.ready })
}
