// `tagwarden/embed`: tagwarden inside a Node server — the faces, and the metric set they count with
// (prom-client is loaded with them).

export { wrapHandler } from '../embed/node-http.js'
export type { WrappedHandler } from '../embed/node-http.js'
export { middleware } from '../embed/connect.js'
export type { TagwardenMiddleware } from '../embed/connect.js'
export { fastifyTagwarden } from '../embed/fastify.js'
export type {
  FastifyInstanceLike,
  FastifyReplyLike,
  FastifyRequestLike,
  FastifyTagwardenOptions,
} from '../embed/fastify.js'
export { attachInspector, httpProxyMiddlewarePlugin } from '../embed/http-proxy.js'
export type { AttachedInspector, HttpProxyLike, HttpProxyMiddlewarePlugin } from '../embed/http-proxy.js'
export { inspectResponse } from '../embed/fetch.js'
export type { InspectResponseOptions } from '../embed/fetch.js'
export type { EmbedOptions } from '../embed/options.js'
export type { EmbedLogger } from '../embed/log.js'

// The metric set, also exported by `tagwarden/proxy`: a registry given to several faces (the
// `registry` option) gets it once.
export { createMetrics, RESPONSE_VERDICTS, VIOLATION_ACTIONS } from '../metrics/metrics.js'
export type { MetricsOptions, ResponseVerdict, TagwardenMetrics } from '../metrics/metrics.js'
