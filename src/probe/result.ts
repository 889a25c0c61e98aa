/** What one probe saw: the shape the exporter turns into Prometheus text and the CLI into lines. */
import type { ProbeError, ProbeFailureReason } from '../errors.js'
import type { Violation } from '../inspect/verdict.js'
import type { CheckedDirective } from '../policy/types.js'

/** The `directive` label of `tagwarden_probe_violations`: the checked directives, plus `pin`. */
export type ProbeDirective = CheckedDirective | 'pin'

/** The `phase` label of `tagwarden_probe_duration_seconds`. */
export const PROBE_PHASES = ['dns', 'connect', 'tls', 'first_byte', 'total'] as const
export type ProbePhase = (typeof PROBE_PHASES)[number]

/** A violation as the probe reports it: the inspector's, or a pinned resource whose bytes changed. */
export interface ProbeViolation extends Omit<Violation, 'directive'> {
  directive: ProbeDirective
  /** `pin` only: the hashes the policy's pin (or the element's `integrity=`) expects. */
  expected?: string
  /** `pin` only: the hash of the bytes fetched, in the expected (strongest) algorithm. */
  seen?: string
}

export interface ProbeResult {
  /** The URL asked for. */
  target: string
  /** The URL of the response inspected (after redirects); the target when nothing was fetched. */
  url: string
  /** The configured site whose policy applied; undefined for the top-level policy. */
  site: string | undefined
  /** Fetched with a 2xx, inspected to the end, no violation, every pinned resource as pinned. */
  success: boolean
  /** Why the probe failed, when it did (a violation alone is not a failure). */
  failure?: ProbeFailureReason
  error?: ProbeError
  /** The final response's status; 0 when none arrived. */
  status: number
  /** Body bytes of the final response as received (possibly compressed). */
  bodyBytes: number
  redirects: number
  /** Seconds per phase; dns/connect/tls/first_byte add up over redirects, total is the whole probe. */
  seconds: Record<ProbePhase, number>
  /** The violations found, at most 100 (see violationCount). */
  violations: ProbeViolation[]
  violationCount: number
  /** Violations by directive, all of them counted. */
  violationsByDirective: Partial<Record<ProbeDirective, number>>
  /** Pinned (or `integrity=`) resources fetched and compared; those that differed; those over `maxPins`. */
  pins: { checked: number; mismatched: number; unchecked: number }
}
