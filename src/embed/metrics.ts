/**
 * The embedding faces count in the caller's registry with the proxy's metric set (src/metrics), so
 * the shipped alerts and dashboard work unchanged. createMetrics adopts a set already in the
 * registry (prom-client refuses a second metric of the same name), so faces and proxies share one.
 */
import type { Registry } from 'prom-client'
import { createMetrics, type TagwardenMetrics } from '../metrics/metrics.js'

export { verdictLabel } from '../metrics/metrics.js'

/** The metric set in `registry`, with every series of `site` at 0 (zeroing twice is harmless). */
export function metricsFor(registry: Registry, site: string): TagwardenMetrics {
  return createMetrics({ registry, sites: [site] })
}
