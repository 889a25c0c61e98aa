/** Start-up helpers shared by the single-process proxy and a cluster's primary and workers. */
import type { Logger } from 'pino'
import { UsageError } from '../errors.js'
import type { ProxyConfig } from './config-file.js'

/** A listen failure (address in use, not available) is a one-line exit 2, naming the address. */
export async function listening<T>(pending: Promise<T>, config: ProxyConfig): Promise<T> {
  try {
    return await pending
  } catch (error) {
    const { code, address, port } = error as NodeJS.ErrnoException & { address?: string; port?: number }
    // metricsListen is `HOST:PORT`, `PORT` or a number: its port decides which listener failed.
    const metricsPort = /(\d+)$/.exec(String(config.metricsListen ?? ''))?.[1]
    const which = port !== undefined && metricsPort === String(port) ? 'metrics' : 'proxy'
    throw new UsageError(
      `cannot listen on ${address ?? '?'}:${port ?? '?'} (${which}): ${code ?? (error as Error).message}`,
    )
  }
}

/** What a policy holds that tagwarden will not enforce is said, never silently dropped. */
export function notePolicies(config: ProxyConfig, log: Logger): void {
  for (const policy of new Set(config.sites.map((s) => s.policy))) {
    if (policy.unchecked.length > 0)
      log.warn(
        { policy: policy.origin, unchecked: policy.unchecked },
        'directives not checked (browser-only)',
      )
    for (const warning of policy.warnings ?? []) log.warn({ policy: policy.origin }, warning)
  }
}
