// `tagwarden/probe`: pages as visitors receive them, and its Prometheus exporter (pino and
// prom-client are loaded with it).

export { createProbeExporter } from '../probe/exporter.js'
export type { ProbeExporter, ProbeExporterOptions } from '../probe/exporter.js'
export { loadProbeConfig } from '../probe/config.js'
export type { ProbeConfig } from '../probe/config.js'
export { runProbe } from '../probe/probe.js'
export type { RunProbeOptions } from '../probe/probe.js'
export { TargetTable } from '../probe/targets.js'
export type { ProbeSite, TargetChoice } from '../probe/targets.js'
export { DEFAULT_PROBE_SETTINGS } from '../probe/options.js'
export type { ProbeSettings } from '../probe/options.js'
export { probeExposition } from '../probe/exposition.js'
export type { ProbeDirective, ProbePhase, ProbeResult, ProbeViolation } from '../probe/result.js'
export type { Pin } from '../policy/types.js'

// The errors the probe adds, also exported by `tagwarden` with all the others.
export { ProbeError, ProbeTargetError, PROBE_FAILURE_REASONS } from '../errors.js'
export type { ProbeFailureReason } from '../errors.js'
