/**
 * One probe's answer to Prometheus, in the blackbox_exporter model: a fresh registry per scrape, no
 * target label (Prometheus adds `instance` by relabelling), every series present on every probe so
 * an alert compares numbers rather than tests for absence.
 */
import { Gauge, Registry } from 'prom-client'
import { PROBE_FAILURE_REASONS } from '../errors.js'
import { CHECKED_DIRECTIVES } from '../policy/types.js'
import { PROBE_PHASES, type ProbeDirective, type ProbeResult } from './result.js'

/** The `directive` label values of `tagwarden_probe_violations`. */
export const PROBE_DIRECTIVES: readonly ProbeDirective[] = [...CHECKED_DIRECTIVES, 'pin']

/** The metric names a probe answers with (the example alert rules may use only these). */
export const PROBE_METRIC_NAMES = [
  'tagwarden_probe_success',
  'tagwarden_probe_violations',
  'tagwarden_probe_duration_seconds',
  'tagwarden_probe_http_status_code',
  'tagwarden_probe_content_length_bytes',
  'tagwarden_probe_pin_mismatch',
  'tagwarden_probe_redirects',
  'tagwarden_probe_failed',
] as const

/** The probe's registry: what GET /probe answers. */
export function probeRegistry(result: ProbeResult): Registry {
  const registry = new Registry()
  const registers = [registry]
  const gauge = (name: string, help: string, value: number) => new Gauge({ name, help, registers }).set(value)
  gauge(
    'tagwarden_probe_success',
    'Whether the page was fetched (2xx), inspected to the end and found clean, pins included.',
    result.success ? 1 : 0,
  )
  const violations = new Gauge({
    name: 'tagwarden_probe_violations',
    help: 'Violations found on the page, by effective CSP directive; "pin" is a pinned resource whose bytes changed.',
    labelNames: ['directive'],
    registers,
  })
  for (const directive of PROBE_DIRECTIVES) {
    violations.set({ directive }, result.violationsByDirective[directive] ?? 0)
  }
  const duration = new Gauge({
    name: 'tagwarden_probe_duration_seconds',
    help: 'Seconds per phase (dns, connect, tls, first_byte: added up over redirects) and for the whole probe (total).',
    labelNames: ['phase'],
    registers,
  })
  for (const phase of PROBE_PHASES) duration.set({ phase }, result.seconds[phase])
  gauge(
    'tagwarden_probe_http_status_code',
    'Status of the final response (after redirects); 0 when none arrived.',
    result.status,
  )
  gauge(
    'tagwarden_probe_content_length_bytes',
    'Body bytes of the final response as received (possibly compressed).',
    result.bodyBytes,
  )
  gauge(
    'tagwarden_probe_pin_mismatch',
    'Pinned (or integrity=) resources referenced by the page whose bytes do not match their hashes.',
    result.pins.mismatched,
  )
  gauge('tagwarden_probe_redirects', 'Redirects followed.', result.redirects)
  const failed = new Gauge({
    name: 'tagwarden_probe_failed',
    help: 'Why the probe failed (1 for the reason, 0 for the others); a violation alone is not a failure.',
    labelNames: ['reason'],
    registers,
  })
  for (const reason of PROBE_FAILURE_REASONS) failed.set({ reason }, result.failure === reason ? 1 : 0)
  return registry
}

/** The Prometheus text for one probe. */
export function probeExposition(result: ProbeResult): Promise<string> {
  return probeRegistry(result).metrics()
}
