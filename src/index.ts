// The public API of tagwarden: everything not exported here is internal.

export { createInspector, Inspector } from './inspect/node-stream.js'
export { InspectorStream } from './inspect/web-stream.js'
export type { InspectorStreamOptions } from './inspect/web-stream.js'
export { inspectHtml } from './inspect/inspect-html.js'
export type { HtmlInput, InspectHtmlOptions } from './inspect/inspect-html.js'
export { DEFAULT_LIMITS } from './inspect/options.js'
export type { HeadersInput, InspectorLimits, InspectorOptions } from './inspect/options.js'
export type { Verdict, VerdictStatus, Violation } from './inspect/verdict.js'
export type { Finding } from './html/scanner.js'

export { loadPolicy, parsePolicy } from './policy/load.js'
export type { PolicyInput, PolicySource } from './policy/source.js'
export { learnPolicy } from './policy/learn.js'
export type { LearnOptions, LearnedPolicy } from './policy/learn.js'
export { directivesForPath } from './policy/routes.js'
export { CHECKED_DIRECTIVES } from './policy/types.js'
export type {
  Action,
  CheckedDirective,
  DirectiveSet,
  InlineType,
  Policy,
  Reference,
  Route,
  SourceList,
} from './policy/types.js'

export {
  TagwardenError,
  BlockedError,
  LimitError,
  PolicyError,
  UnsupportedPolicyError,
  InvalidOptionError,
  UnsupportedEncodingError,
  ContentDecodingError,
  AbortedError,
  IoError,
  UsageError,
} from './errors.js'
export type { LimitName } from './errors.js'

// The proxy and its metrics.
export { createProxy, createLogger } from './proxy/server.js'
export type { ProxyAddresses, TagwardenProxy } from './proxy/server.js'
export { DEFAULT_TIMEOUTS } from './proxy/options.js'
export type { ProxyOptions, ProxySiteOptions, ProxyTimeouts } from './proxy/options.js'
export { loadProxyConfig } from './proxy/config-file.js'
export type { LoadProxyConfigOptions, ProxyConfig } from './proxy/config-file.js'
export { ConfigError, UpstreamError, UPSTREAM_ERROR_KINDS } from './errors.js'
export type { UpstreamErrorKind } from './errors.js'
export { createMetrics, RESPONSE_VERDICTS, VIOLATION_ACTIONS } from './metrics/metrics.js'
export type { MetricsOptions, ResponseVerdict, TagwardenMetrics } from './metrics/metrics.js'

// Embedding: tagwarden inside a Node server.
export { wrapHandler } from './embed/node-http.js'
export type { WrappedHandler } from './embed/node-http.js'
export { middleware } from './embed/connect.js'
export type { TagwardenMiddleware } from './embed/connect.js'
export { fastifyTagwarden } from './embed/fastify.js'
export type {
  FastifyInstanceLike,
  FastifyReplyLike,
  FastifyRequestLike,
  FastifyTagwardenOptions,
} from './embed/fastify.js'
export { attachInspector } from './embed/http-proxy.js'
export type { AttachedInspector, HttpProxyLike } from './embed/http-proxy.js'
export { inspectResponse } from './embed/fetch.js'
export type { InspectResponseOptions } from './embed/fetch.js'
export type { EmbedOptions } from './embed/options.js'

// The probe: pages as visitors receive them, and its Prometheus exporter.
export { createProbeExporter } from './probe/exporter.js'
export type { ProbeExporter, ProbeExporterOptions } from './probe/exporter.js'
export { loadProbeConfig } from './probe/config.js'
export type { ProbeConfig } from './probe/config.js'
export { runProbe } from './probe/probe.js'
export type { RunProbeOptions } from './probe/probe.js'
export { TargetTable } from './probe/targets.js'
export type { ProbeSite, TargetChoice } from './probe/targets.js'
export { DEFAULT_PROBE_SETTINGS } from './probe/options.js'
export type { ProbeSettings } from './probe/options.js'
export { probeExposition } from './probe/exposition.js'
export type { ProbeDirective, ProbePhase, ProbeResult, ProbeViolation } from './probe/result.js'
export { ProbeError, ProbeTargetError, PROBE_FAILURE_REASONS } from './errors.js'
export type { ProbeFailureReason } from './errors.js'
export type { Pin } from './policy/types.js'
