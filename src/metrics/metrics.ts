/**
 * tagwarden's Prometheus metrics. Names are fixed; label values come only from fixed sets (verdicts,
 * CHECKED_DIRECTIVES, actions, upstream error kinds) or configured site names, never from a response.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { CHECKED_DIRECTIVES } from '../policy/types.js'
import { InvalidOptionError, UPSTREAM_ERROR_KINDS } from '../errors.js'
import type { Verdict } from '../inspect/verdict.js'

/** The `verdict` label of `tagwarden_responses_total`. */
export const RESPONSE_VERDICTS = ['clean', 'violation', 'skipped', 'error', 'limit'] as const
export type ResponseVerdict = (typeof RESPONSE_VERDICTS)[number]
/** The `action` label of `tagwarden_violations_total`. */
export const VIOLATION_ACTIONS = ['blocked', 'reported'] as const

export interface MetricsOptions {
  /** Where the metrics are registered. Default: a private `new Registry()`. */
  registry?: Registry
  /**
   * Also collect prom-client's default process metrics into it. Default true for the private registry,
   * false for one passed in (the host application most likely collects them already).
   */
  defaultMetrics?: boolean
  /** Site names whose series are created at 0 up front, so `increase()` sees the very first violation. */
  sites?: readonly string[]
}

export interface TagwardenMetrics {
  readonly registry: Registry
  /** `tagwarden_responses_total{site, verdict}` */
  readonly responses: Counter<'site' | 'verdict'>
  /** `tagwarden_violations_total{site, directive, action}` */
  readonly violations: Counter<'site' | 'directive' | 'action'>
  /** `tagwarden_inspected_bytes_total{site}`: body bytes as received, of inspected responses. */
  readonly inspectedBytes: Counter<'site'>
  /** `tagwarden_inspection_seconds{site}` */
  readonly inspectionSeconds: Histogram<'site'>
  /** `tagwarden_upstream_errors_total{site, kind}` */
  readonly upstreamErrors: Counter<'site' | 'kind'>
  /** `tagwarden_browser_reports_total{site, directive}`: CSP reports from visitors' browsers. */
  readonly browserReports: Counter<'site' | 'directive'>
  /** `tagwarden_browser_reports_rejected_total{site, reason}`: report POSTs refused. */
  readonly browserReportsRejected: Counter<'site' | 'reason'>
  /** `tagwarden_config_reloads_total{result}`: SIGHUP reloads, `success` or `failure` (the old one kept). */
  readonly configReloads: Counter<'result'>
  /** `tagwarden_learned_sources{site, directive}`: source expressions live learning holds. */
  readonly learnedSources: Gauge<'site' | 'directive'>
}

/** Why a report POST was refused: the `reason` label. */
export const REPORT_REJECTIONS = ['malformed', 'too_large', 'rate_limited', 'method'] as const
export type ReportRejection = (typeof REPORT_REJECTIONS)[number]

/** Create the metric set in a registry (`registers: [registry]` on each: never the global one by accident). */
export function createMetrics(options: MetricsOptions = {}): TagwardenMetrics {
  const registry = options.registry ?? new Registry()
  // The registry holds the set already (an embedding face, another proxy): share it, since
  // prom-client refuses a second metric of the same name.
  const existing = registeredIn(registry)
  if (existing !== undefined) {
    for (const site of options.sites ?? []) zeroSite(existing, site)
    return existing
  }
  const registers = [registry]
  if (options.defaultMetrics ?? options.registry === undefined) collectDefaultMetrics({ register: registry })
  const metrics: TagwardenMetrics = {
    registry,
    responses: new Counter({
      name: 'tagwarden_responses_total',
      help: 'Responses proxied, by site and inspection verdict (clean, violation, skipped, error, limit).',
      labelNames: ['site', 'verdict'],
      registers,
    }),
    violations: new Counter({
      name: 'tagwarden_violations_total',
      help: 'Violations found, by site, effective CSP directive and action (blocked, reported).',
      labelNames: ['site', 'directive', 'action'],
      registers,
    }),
    inspectedBytes: new Counter({
      name: 'tagwarden_inspected_bytes_total',
      help: 'Body bytes (as received, possibly compressed) of the responses inspected.',
      labelNames: ['site'],
      registers,
    }),
    inspectionSeconds: new Histogram({
      name: 'tagwarden_inspection_seconds',
      help: 'Time spent inspecting one response: decoding, parsing and judging its body, not waiting for it.',
      labelNames: ['site'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    upstreamErrors: new Counter({
      name: 'tagwarden_upstream_errors_total',
      help: 'Upstream failures, by site and kind (refused, reset, timeout, dns, tls, protocol, other).',
      labelNames: ['site', 'kind'],
      registers,
    }),
    browserReports: new Counter({
      name: 'tagwarden_browser_reports_total',
      help: "CSP violation reports from visitors' browsers, by site and effective directive (other: one tagwarden does not check).",
      labelNames: ['site', 'directive'],
      registers,
    }),
    browserReportsRejected: new Counter({
      name: 'tagwarden_browser_reports_rejected_total',
      help: 'Report POSTs refused, by site and reason (malformed, too_large, rate_limited, method).',
      labelNames: ['site', 'reason'],
      registers,
    }),
    configReloads: new Counter({
      name: 'tagwarden_config_reloads_total',
      help: 'Configuration reloads (SIGHUP), by result: success, or failure (the running configuration kept).',
      labelNames: ['result'],
      registers,
    }),
    learnedSources: new Gauge({
      name: 'tagwarden_learned_sources',
      help: 'Source expressions in the policy a site learns from its traffic, by directive.',
      labelNames: ['site', 'directive'],
      // With --workers every worker shows the primary's count: the cluster's value is any one of them.
      aggregator: 'max',
      registers,
    }),
  }
  for (const result of ['success', 'failure']) metrics.configReloads.inc({ result }, 0)
  for (const site of options.sites ?? []) zeroSite(metrics, site)
  return metrics
}

/** The set already registered in `registry`, if it is there. */
function registeredIn(registry: Registry): TagwardenMetrics | undefined {
  const get = <T>(name: string) => {
    const metric = registry.getSingleMetric(name)
    if (metric === undefined)
      throw new InvalidOptionError(`the registry holds some tagwarden metrics but not ${name}`)
    return metric as T
  }
  if (registry.getSingleMetric('tagwarden_responses_total') === undefined) return undefined
  return {
    registry,
    responses: get('tagwarden_responses_total'),
    violations: get('tagwarden_violations_total'),
    inspectedBytes: get('tagwarden_inspected_bytes_total'),
    inspectionSeconds: get('tagwarden_inspection_seconds'),
    upstreamErrors: get('tagwarden_upstream_errors_total'),
    browserReports: get('tagwarden_browser_reports_total'),
    browserReportsRejected: get('tagwarden_browser_reports_rejected_total'),
    configReloads: get('tagwarden_config_reloads_total'),
    learnedSources: get('tagwarden_learned_sources'),
  }
}

/** The inspection's verdict as the `verdict` label: a violation outranks a limit hit after it. */
export function verdictLabel(verdict: Verdict): ResponseVerdict {
  if (verdict.status === 'violation') return 'violation'
  if (verdict.reason === 'limit') return 'limit'
  if (verdict.status === 'clean') return 'clean'
  if (verdict.status === 'skipped' && verdict.reason === 'not-html') return 'skipped'
  return 'error'
}

/** Every series of a site at 0: alerts on `increase(...) > 0` then fire on the first event, not the second. */
export function zeroSite(m: TagwardenMetrics, site: string): void {
  for (const verdict of RESPONSE_VERDICTS) m.responses.inc({ site, verdict }, 0)
  for (const directive of CHECKED_DIRECTIVES) {
    for (const action of VIOLATION_ACTIONS) m.violations.inc({ site, directive, action }, 0)
  }
  m.inspectedBytes.inc({ site }, 0)
  m.inspectionSeconds.zero({ site })
  for (const kind of UPSTREAM_ERROR_KINDS) m.upstreamErrors.inc({ site, kind }, 0)
  for (const directive of [...CHECKED_DIRECTIVES, 'other']) m.browserReports.inc({ site, directive }, 0)
  for (const reason of REPORT_REJECTIONS) m.browserReportsRejected.inc({ site, reason }, 0)
}
