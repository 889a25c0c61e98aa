/**
 * `--workers N`: N processes (node:cluster) share the proxy's port; the primary serves /metrics,
 * aggregating the workers' registries with prom-client's AggregatorRegistry, and /healthz.
 */
import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import { AggregatorRegistry } from 'prom-client'
import { UsageError } from '../errors.js'
import { createMetricsServer } from '../metrics/server.js'
import type { ProxyConfig } from './config-file.js'
import { addressUrl, parseListen } from './listen.js'
import { DEFAULT_TIMEOUTS } from './options.js'
import { createProxy } from './server.js'
import { nextSignal } from './signals.js'
import { reloadOnHangup } from './reload.js'
import { listening, notePolicies } from './startup.js'

type Message = { type: 'tagwarden:listening'; url: string } | { type: 'tagwarden:failed'; message: string }

/** A worker: the proxy without its own metrics listener; the primary asks for its registry over IPC. */
export async function runWorker(config: ProxyConfig, reread: () => Promise<ProxyConfig>): Promise<number> {
  const proxy = createProxy({ ...config, metricsListen: false })
  // The primary passes SIGHUP on; each worker reads the files itself.
  reloadOnHangup(proxy, async () => ({ ...(await reread()), metricsListen: false }))
  new AggregatorRegistry() // answers the primary's requests for this worker's metrics
  AggregatorRegistry.setRegistries([proxy.metrics.registry])
  let url: string
  try {
    url = (await listening(proxy.listen(), config)).url
  } catch (error) {
    process.send?.({ type: 'tagwarden:failed', message: (error as Error).message } satisfies Message)
    return 2
  }
  process.send?.({ type: 'tagwarden:listening', url } satisfies Message)
  // The primary gone (killed): nobody serves /metrics or restarts us; stop too.
  const orphaned = new Promise<string>((resolve) => process.once('disconnect', () => resolve('disconnect')))
  const why = await Promise.race([nextSignal(), orphaned])
  const inFlight = proxy.inFlight
  const closed = proxy.close()
  proxy.logger.info({ signal: why, inFlight }, 'worker shutting down')
  await closed
  // The IPC channel to the primary would keep this process alive.
  if (process.connected) process.disconnect()
  return 0
}

/** The primary: fork, wait until every worker listens, serve /metrics, restart crashed workers, shut down on a signal. */
export async function runPrimary(config: ProxyConfig, count: number, log: Logger): Promise<number> {
  notePolicies(config, log)
  let stopping = false
  const workers = new Set<Worker>()
  const fork = (): Worker => {
    const worker = cluster.fork()
    workers.add(worker)
    worker.once('exit', (code, signal) => {
      workers.delete(worker)
      if (stopping) return
      log.error({ worker: worker.process.pid, code, signal }, 'worker exited; starting another')
      fork()
    })
    return worker
  }
  let url: string
  try {
    url = await startAll(Array.from({ length: count }, fork))
  } catch (error) {
    stopping = true
    for (const worker of workers) worker.process.kill('SIGTERM')
    throw error
  }

  const aggregator = new AggregatorRegistry()
  if (config.metricsListen === false) throw new UsageError('--workers needs a metrics listener')
  const metricsServer = createMetricsServer(
    {
      metrics: () => aggregator.clusterMetrics(),
      contentType: aggregator.contentType,
      healthy: () => !stopping,
    },
    (error) => log.error({ err: error }, 'metrics aggregation failed'),
  )
  const metricsAt = parseListen(config.metricsListen ?? '127.0.0.1:9464')
  if (typeof metricsAt === 'string') throw new UsageError(`metricsListen: ${metricsAt}`)
  const metricsUrl = await listening(
    new Promise<string>((resolve, reject) => {
      metricsServer.once('error', reject)
      metricsServer.listen(metricsAt.port, metricsAt.host, () => {
        const address = metricsServer.address() as import('node:net').AddressInfo
        resolve(addressUrl(address.address, address.port))
      })
    }),
    config,
  ).catch((error: unknown) => {
    stopping = true
    for (const worker of workers) worker.process.kill('SIGTERM')
    throw error
  })
  log.info({ url, metricsUrl, sites: config.sites.map((s) => s.name), workers: count }, 'listening')
  // SIGHUP would end the primary (Node's default): every worker reloads instead.
  const onHangup = (): void => {
    log.info({ workers: workers.size }, 'reloading the workers')
    for (const worker of workers) worker.process.kill('SIGHUP')
  }
  process.on('SIGHUP', onHangup)

  const signal = await nextSignal()
  process.off('SIGHUP', onHangup)
  stopping = true
  log.info({ signal, workers: workers.size }, 'shutting down')
  const grace = (config.timeouts?.shutdown ?? DEFAULT_TIMEOUTS.shutdown) + 5_000
  await Promise.all(
    [...workers].map(
      (worker) =>
        new Promise<void>((resolve) => {
          // A worker past its own grace period (it bounds its shutdown itself) is killed.
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), grace)
          worker.once('exit', () => {
            clearTimeout(timer)
            resolve()
          })
          worker.process.kill('SIGTERM')
        }),
    ),
  )
  await new Promise<void>((resolve) => {
    metricsServer.close(() => resolve())
    metricsServer.closeAllConnections()
  })
  log.info('stopped')
  return 0
}

/** Resolves with the proxy URL once every worker listens; rejects when one fails or exits first. */
function startAll(started: Worker[]): Promise<string> {
  return new Promise((resolve, reject) => {
    let waiting = started.length
    for (const worker of started) {
      const onExit = (code: number | null): void =>
        reject(new UsageError(`a worker exited while starting (code ${code})`))
      worker.once('exit', onExit)
      worker.on('message', (message: Message) => {
        if (message.type === 'tagwarden:failed') reject(new UsageError(message.message))
        if (message.type !== 'tagwarden:listening') return
        worker.off('exit', onExit)
        if (--waiting === 0) resolve(message.url)
      })
    }
  })
}
