// `tagwarden/proxy`: the inspecting reverse proxy, its configuration file, its metrics and its
// logger (http-proxy, pino and prom-client are loaded with them).

export { createProxy } from '../proxy/server.js'
export { createLogger } from '../proxy/logger.js'
export type { ProxyAddresses, TagwardenProxy } from '../proxy/server.js'
export { DEFAULT_TIMEOUTS } from '../proxy/options.js'
export type { ProxyOptions, ProxySiteOptions, ProxyTimeouts } from '../proxy/options.js'
export { loadProxyConfig } from '../proxy/config-file.js'
export type { LoadProxyConfigOptions, ProxyConfig } from '../proxy/config-file.js'
export { createMetrics, RESPONSE_VERDICTS, VIOLATION_ACTIONS } from '../metrics/metrics.js'
export type { MetricsOptions, ResponseVerdict, TagwardenMetrics } from '../metrics/metrics.js'

// The errors the proxy adds, also exported by `tagwarden` with all the others.
export { ConfigError, UpstreamError, UPSTREAM_ERROR_KINDS } from '../errors.js'
export type { UpstreamErrorKind } from '../errors.js'
