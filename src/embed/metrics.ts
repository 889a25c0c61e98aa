/**
 * The embedding faces count in the caller's registry with the proxy's metric set (src/metrics), so
 * the shipped alerts and dashboard work unchanged. prom-client refuses a second metric of the same
 * name in one registry, so every face given the same registry shares one set.
 */
import type { Counter, Histogram, Registry } from 'prom-client'
import type { Verdict } from '../inspect/verdict.js'
import {
  RESPONSE_VERDICTS,
  VIOLATION_ACTIONS,
  createMetrics,
  type ResponseVerdict,
  type TagwardenMetrics,
} from '../metrics/metrics.js'
import { CHECKED_DIRECTIVES } from '../policy/types.js'
import { InvalidOptionError, UPSTREAM_ERROR_KINDS } from '../errors.js'

const sets = new WeakMap<Registry, { metrics: TagwardenMetrics; sites: Set<string> }>()

/** The metric set in `registry` (created once per registry), with every series of `site` at 0. */
export function metricsFor(registry: Registry, site: string): TagwardenMetrics {
  let set = sets.get(registry)
  if (set === undefined) {
    const metrics = registry.getSingleMetric('tagwarden_responses_total')
      ? adopt(registry)
      : createMetrics({ registry })
    sets.set(registry, (set = { metrics, sites: new Set() }))
  }
  if (!set.sites.has(site)) {
    zeroSite(set.metrics, site)
    set.sites.add(site)
  }
  return set.metrics
}

/** The set another copy of tagwarden (or `createProxy`) already registered there. */
function adopt(registry: Registry): TagwardenMetrics {
  const get = (name: string) => {
    const metric = registry.getSingleMetric(name)
    if (metric === undefined) {
      throw new InvalidOptionError(`options.registry holds some tagwarden metrics but not ${name}`)
    }
    return metric
  }
  return {
    registry,
    responses: get('tagwarden_responses_total') as Counter<'site' | 'verdict'>,
    violations: get('tagwarden_violations_total') as Counter<'site' | 'directive' | 'action'>,
    inspectedBytes: get('tagwarden_inspected_bytes_total') as Counter<'site'>,
    inspectionSeconds: get('tagwarden_inspection_seconds') as Histogram<'site'>,
    upstreamErrors: get('tagwarden_upstream_errors_total') as Counter<'site' | 'kind'>,
  }
}

/**
 * Every series of a site at 0, as createMetrics({ sites }) does: an alert on `increase(…) > 0` then
 * fires on the first event, not the second.
 */
function zeroSite(m: TagwardenMetrics, site: string): void {
  for (const verdict of RESPONSE_VERDICTS) m.responses.inc({ site, verdict }, 0)
  for (const directive of CHECKED_DIRECTIVES) {
    for (const action of VIOLATION_ACTIONS) m.violations.inc({ site, directive, action }, 0)
  }
  m.inspectedBytes.inc({ site }, 0)
  m.inspectionSeconds.zero({ site })
  for (const kind of UPSTREAM_ERROR_KINDS) m.upstreamErrors.inc({ site, kind }, 0)
}

/**
 * The inspection's verdict as the `verdict` label: a violation outranks a limit hit after it. The
 * same mapping as the proxy's (src/proxy/exchange.ts, not exported there).
 */
export function verdictLabel(verdict: Verdict): ResponseVerdict {
  if (verdict.status === 'violation') return 'violation'
  if (verdict.reason === 'limit') return 'limit'
  if (verdict.status === 'clean') return 'clean'
  if (verdict.status === 'skipped' && verdict.reason === 'not-html') return 'skipped'
  return 'error'
}
