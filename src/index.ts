// The public API of tagwarden, `tagwarden`: the inspector, policies and errors. Light to import: it
// loads neither the proxy's nor the metrics' packages (http-proxy, pino, prom-client). The rest is
// in subpaths: `tagwarden/embed` (the faces: src/entries/embed.ts), `tagwarden/proxy` (the proxy
// and its metrics: src/entries/proxy.ts), `tagwarden/probe` (src/entries/probe.ts). Everything not
// exported by one of these is internal.

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
  Pin,
  Policy,
  Reference,
  Route,
  SourceList,
} from './policy/types.js'

// Every error tagwarden throws, the proxy's and the probe's included: one class hierarchy to catch.
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
  ConfigError,
  UpstreamError,
  UPSTREAM_ERROR_KINDS,
  ProbeError,
  ProbeTargetError,
  PROBE_FAILURE_REASONS,
} from './errors.js'
export type { LimitName, ProbeFailureReason, UpstreamErrorKind } from './errors.js'
