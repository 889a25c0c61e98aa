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
import { DEFAULT_LEARN_INTERVAL, DEFAULT_TIMEOUTS, learnOptions } from './options.js'
import { LiveLearner, received, type SentReference } from './live-learn.js'
import { createProxy } from './server.js'
import { nextSignal } from './signals.js'
import { reloadOnHangup } from './reload.js'
import { watchFiles } from './watch.js'
import { listening, notePolicies } from './startup.js'

type Message =
  | { type: 'tagwarden:listening'; url: string }
  | { type: 'tagwarden:failed'; message: string }
  /** A worker's new reference for a learning site: the primary learns it. */
  | { type: 'tagwarden:learned'; site: string; ref: SentReference; path: string }

/** The primary's count of a learning site's sources, for every worker's gauge. */
type CountMessage = { type: 'tagwarden:learned-count'; site: string; directive: string; count: number }

/** A worker: the proxy without its own metrics listener; the primary asks for its registry over IPC. */
export async function runWorker(config: ProxyConfig, reread: () => Promise<ProxyConfig>): Promise<number> {
  const proxy = createProxy({
    ...config,
    metricsListen: false,
    sendLearned: (site, ref, path) =>
      process.send?.({ type: 'tagwarden:learned', site, ref, path } satisfies Message),
  })
  process.on('message', (message: CountMessage) => {
    if (message?.type !== 'tagwarden:learned-count') return
    proxy.metrics.learnedSources.set({ site: message.site, directive: message.directive }, message.count)
  })
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
export async function runPrimary(
  config: ProxyConfig,
  count: number,
  log: Logger,
  watched: readonly string[] = [],
): Promise<number> {
  notePolicies(config, log)
  let stopping = false
  const workers = new Set<Worker>()
  const learning = primaryLearning(config, log, (message) => {
    for (const worker of workers) worker.send(message)
  })
  const fork = (): Worker => {
    const worker = cluster.fork()
    workers.add(worker)
    worker.on('message', (message: Message) => {
      if (message.type === 'tagwarden:learned') learning.learn(message.site, message.ref, message.path)
      // A new worker's gauges start from what the primary has learned.
      if (message.type === 'tagwarden:listening') for (const count of learning.counts()) worker.send(count)
    })
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
  const unwatch = watched.length > 0 ? watchFiles(watched, onHangup) : () => {}

  const signal = await nextSignal()
  process.off('SIGHUP', onHangup)
  unwatch()
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
  learning.stop()
  log.info('stopped')
  return 0
}

/**
 * The primary's learning: one file-holding learner per learning site, fed by the workers' new
 * references, saved every `learnInterval` and when stopped; each count change goes to every worker.
 */
function primaryLearning(config: ProxyConfig, log: Logger, broadcast: (message: CountMessage) => void) {
  const latest = new Map<string, CountMessage>()
  const learners = new Map<string, LiveLearner>()
  for (const site of config.sites) {
    const options = learnOptions(site.learn)
    if (options === undefined) continue
    const count = (directive: string, count: number): void => {
      const message: CountMessage = { type: 'tagwarden:learned-count', site: site.name, directive, count }
      latest.set(`${site.name} ${directive}`, message)
      broadcast(message)
    }
    learners.set(site.name, new LiveLearner(site.name, options, log, count))
  }
  const save = (): void => {
    for (const learner of learners.values()) {
      try {
        learner.save()
      } catch (error) {
        log.error({ err: error, file: learner.file }, 'cannot save the learned policy')
      }
    }
  }
  const timer = setInterval(save, config.learnInterval ?? DEFAULT_LEARN_INTERVAL)
  timer.unref()
  return {
    learn: (site: string, ref: SentReference, path: string) =>
      learners.get(site)?.addReference(received(ref), path),
    counts: () => [...latest.values()],
    stop: () => {
      clearInterval(timer)
      save()
    },
  }
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
