/**
 * Reload without downtime (issue 14): on SIGHUP the configuration and every policy are read again and
 * handed to the running proxy (`TagwardenProxy.reload`); a configuration that cannot be read or is
 * invalid is refused with one log line naming the file and field, and the running one keeps serving.
 */
import type { ProxyOptions } from './options.js'
import type { TagwardenProxy } from './server.js'
import { watchFiles } from './watch.js'

/**
 * Reload `proxy` from `read()` on every SIGHUP — and, with `watched` files, whenever one of them
 * changes — until the returned function is called.
 */
export function reloadOnHangup(
  proxy: TagwardenProxy,
  read: () => Promise<ProxyOptions>,
  watched: readonly string[] = [],
): () => void {
  let running = Promise.resolve()
  const onHangup = (): void => {
    // One reload at a time, in the order the signals came.
    running = running.then(() => reload(proxy, read))
  }
  process.on('SIGHUP', onHangup)
  const unwatch = watched.length > 0 ? watchFiles(watched, onHangup) : () => {}
  return () => {
    process.off('SIGHUP', onHangup)
    unwatch()
  }
}

async function reload(proxy: TagwardenProxy, read: () => Promise<ProxyOptions>): Promise<void> {
  try {
    const options = await read()
    proxy.reload(options)
    proxy.metrics.configReloads.inc({ result: 'success' })
    proxy.logger.info({ sites: options.sites.map((s) => s.name) }, 'configuration reloaded')
  } catch (error) {
    proxy.metrics.configReloads.inc({ result: 'failure' })
    const { file, field } = error as { file?: string; field?: string }
    proxy.logger.error(
      { err: { message: (error as Error).message }, file, field },
      'configuration reload failed: the running configuration is kept',
    )
  }
}
