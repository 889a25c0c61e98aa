/**
 * The exporter's own metrics (GET /metrics): what it has done across probes, by configured site. The
 * inspection family is the proxy's (`createMetrics`: responses by verdict, violations with
 * action="reported", inspected bytes, upstream errors), so its dashboards read the exporter too; the
 * `tagwarden_probes_*` series are the exporter's. Labels: site names and fixed sets only.
 */
import { Counter, Gauge, type Registry } from 'prom-client'
import { PROBE_FAILURE_REASONS, type ProbeFailureReason, type UpstreamErrorKind } from '../errors.js'
import type { Verdict } from '../inspect/verdict.js'
import { createMetrics, verdictLabel, type TagwardenMetrics } from '../metrics/metrics.js'
import { CHECKED_DIRECTIVES } from '../policy/types.js'
import type { ProbeResult } from './result.js'

/** The `site` label of a probe allowed only by a URL prefix, with the top-level policy. */
export const NO_SITE = '(default)'
/** The `result` label of `tagwarden_probes_total`. */
export const PROBE_RESULTS = ['success', 'violation', 'failure'] as const
/** The `reason` label of `tagwarden_probe_requests_rejected_total`. */
export const REJECT_REASONS = ['bad_target', 'overloaded'] as const

export interface ExporterMetrics {
  readonly registry: Registry
  readonly inspection: TagwardenMetrics
  /** `tagwarden_probes_total{site, result}` */
  readonly probes: Counter<'site' | 'result'>
  /** `tagwarden_probe_failures_total{site, reason}` */
  readonly failures: Counter<'site' | 'reason'>
  /** `tagwarden_probe_pin_mismatches_total{site}` */
  readonly pinMismatches: Counter<'site'>
  /** `tagwarden_probe_requests_rejected_total{reason}` */
  readonly rejected: Counter<'reason'>
  /** `tagwarden_probes_in_flight` and `tagwarden_probes_queued` */
  readonly inFlight: Gauge
  readonly queued: Gauge
}

/** Probe failures that are the network's: counted as the proxy counts its upstream's. */
const UPSTREAM_KIND: Partial<Record<ProbeFailureReason, UpstreamErrorKind>> = {
  dns: 'dns',
  connect: 'refused',
  tls: 'tls',
  timeout: 'timeout',
  reset: 'reset',
  protocol: 'protocol',
}

export function createExporterMetrics(
  registry: Registry | undefined,
  sites: readonly string[],
): ExporterMetrics {
  const inspection = createMetrics({ registry, sites, defaultMetrics: true })
  const registers = [inspection.registry]
  const metrics: ExporterMetrics = {
    registry: inspection.registry,
    inspection,
    probes: new Counter({
      name: 'tagwarden_probes_total',
      help: 'Probes run, by site and result (success, violation, failure).',
      labelNames: ['site', 'result'],
      registers,
    }),
    failures: new Counter({
      name: 'tagwarden_probe_failures_total',
      help: 'Probes that failed, by site and reason (dns, connect, tls, timeout, http_status, ...).',
      labelNames: ['site', 'reason'],
      registers,
    }),
    pinMismatches: new Counter({
      name: 'tagwarden_probe_pin_mismatches_total',
      help: 'Pinned resources found changed, by site.',
      labelNames: ['site'],
      registers,
    }),
    rejected: new Counter({
      name: 'tagwarden_probe_requests_rejected_total',
      help: 'GET /probe requests answered without probing: bad_target (400) or overloaded (503).',
      labelNames: ['reason'],
      registers,
    }),
    inFlight: new Gauge({
      name: 'tagwarden_probes_in_flight',
      help: 'Probes running now.',
      registers,
    }),
    queued: new Gauge({
      name: 'tagwarden_probes_queued',
      help: 'Probes waiting for a slot (probe.concurrency).',
      registers,
    }),
  }
  for (const site of sites) {
    for (const result of PROBE_RESULTS) metrics.probes.inc({ site, result }, 0)
    for (const reason of PROBE_FAILURE_REASONS) metrics.failures.inc({ site, reason }, 0)
    metrics.pinMismatches.inc({ site }, 0)
  }
  for (const reason of REJECT_REASONS) metrics.rejected.inc({ reason }, 0)
  return metrics
}

/** Count one probe. `verdict`: the page's inspection, when it was inspected. */
export function countProbe(m: ExporterMetrics, result: ProbeResult, verdict: Verdict | undefined): void {
  const site = result.site ?? NO_SITE
  const outcome = result.failure !== undefined ? 'failure' : result.success ? 'success' : 'violation'
  m.probes.inc({ site, result: outcome })
  if (result.failure !== undefined) {
    m.failures.inc({ site, reason: result.failure })
    const kind = UPSTREAM_KIND[result.failure]
    if (kind !== undefined) m.inspection.upstreamErrors.inc({ site, kind })
  }
  if (result.pins.mismatched > 0) m.pinMismatches.inc({ site }, result.pins.mismatched)
  m.inspection.responses.inc({ site, verdict: verdict === undefined ? 'error' : verdictLabel(verdict) })
  if (verdict !== undefined) m.inspection.inspectedBytes.inc({ site }, verdict.bytes)
  for (const directive of CHECKED_DIRECTIVES) {
    const count = result.violationsByDirective[directive] ?? 0
    if (count > 0) m.inspection.violations.inc({ site, directive, action: 'reported' }, count)
  }
}
