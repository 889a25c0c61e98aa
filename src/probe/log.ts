/**
 * What a probe saw, as JSON lines (pino), in the proxy's shape: one `warn` line per violation, then
 * one line for the probe — `info` when clean, `warn` with violations, `error` when it failed.
 */
import type { Logger } from 'pino'
import type { ProbeResult } from './result.js'

export function logProbe(logger: Logger, result: ProbeResult, probeId?: string): void {
  const base = { probeId, target: result.target, site: result.site }
  for (const v of result.violations) {
    logger.warn(
      {
        ...base,
        directive: v.directive,
        element: v.element,
        attribute: v.attribute,
        url: (v.url ?? v.value).slice(0, 200),
        line: v.line,
        column: v.column,
        ...(v.directive === 'pin' ? { expected: v.expected, seen: v.seen } : {}),
        action: 'reported',
      },
      'violation',
    )
  }
  const level = result.failure !== undefined ? 'error' : result.success ? 'info' : 'warn'
  logger[level](
    {
      ...base,
      url: result.url === result.target ? undefined : result.url,
      success: result.success,
      failure: result.failure,
      error: result.error?.message,
      status: result.status,
      redirects: result.redirects,
      bytes: result.bodyBytes,
      violations: result.violationCount,
      pins: result.pins.checked + result.pins.unchecked > 0 ? result.pins : undefined,
      seconds: Math.round(result.seconds.total * 1000) / 1000,
    },
    'probe',
  )
}
