/**
 * The probe as a Prometheus exporter, in the blackbox_exporter model: Prometheus schedules, shards
 * (hashmod relabelling) and alerts; each scrape of `GET /probe?target=URL[&site=NAME]` runs one probe
 * and answers with its result. `GET /metrics` is the exporter's own, `GET /healthz` its liveness.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { performance } from 'node:perf_hooks'
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { ConfigError, ProbeError, ProbeTargetError } from '../errors.js'
import type { InspectorLimits } from '../inspect/options.js'
import type { Verdict } from '../inspect/verdict.js'
import type { Policy } from '../policy/types.js'
import { addressUrl, parseListen } from '../proxy/listen.js'
import { createLogger } from '../proxy/logger.js'
import { probeExposition } from './exposition.js'
import { Limiter } from './limiter.js'
import { logProbe } from './log.js'
import { countProbe, createExporterMetrics, NO_SITE, type ExporterMetrics } from './metrics.js'
import { resolveProbeSettings, type ProbeSettings, type ResolvedProbeSettings } from './options.js'
import { runProbe } from './probe.js'
import type { ProbeResult } from './result.js'
import { TargetTable, type ProbeSite } from './targets.js'

export interface ProbeExporterOptions {
  /** The configured sites: their hosts allow targets, their policies judge them. Default none. */
  sites?: ProbeSite[]
  /** The policy of targets allowed only by a `probe.allow` prefix, when no `site` is named. Default none. */
  policy?: Policy
  /** Inspector limits for every site (a site's own are merged over them). Default DEFAULT_LIMITS. */
  limits?: InspectorLimits
  /** Fetching, timeouts, concurrency and the allow-list of URL prefixes. See ProbeSettings. */
  probe?: ProbeSettings
  /** `[HOST:]PORT` to serve /probe, /metrics and /healthz on (port 0: any free port). Default `127.0.0.1:9465`. */
  listen?: string
  /** The registry of the exporter's own metrics. Default: a private `new Registry()` with process metrics. */
  registry?: Registry
  /** A pino logger. Default: JSON lines on stdout at `logLevel`. */
  logger?: Logger
  /** Default `info`. */
  logLevel?: string
}

export interface ProbeExporter {
  readonly server: Server
  readonly metrics: ExporterMetrics
  readonly logger: Logger
  readonly settings: ResolvedProbeSettings
  /** Start listening; resolves with `http://HOST:PORT`. */
  listen(): Promise<string>
  /** Stop accepting, cancel running probes, close every connection. Safe to call twice. */
  close(): Promise<void>
}

/** Prometheus sends its scrape timeout; the probe answers this much earlier, as blackbox_exporter does. */
const SCRAPE_TIMEOUT_OFFSET_MS = 500

export function createProbeExporter(options: ProbeExporterOptions = {}): ProbeExporter {
  const settings = resolveProbeSettings(options.probe)
  const listenAt = parseListen(options.listen ?? '127.0.0.1:9465')
  if (typeof listenAt === 'string') {
    throw new ConfigError(`listen: ${listenAt}, got ${JSON.stringify(options.listen)}`, { field: 'listen' })
  }
  const sites = options.sites ?? []
  const table = new TargetTable(sites, settings.allow, options.policy, options.limits)
  const labelSites = [...sites.map((s) => s.name), ...(options.policy === undefined ? [] : [NO_SITE])]
  const metrics = createExporterMetrics(options.registry, labelSites)
  const logger = options.logger ?? createLogger(options.logLevel)
  const limiter = new Limiter(settings.concurrency, settings.maxQueued)
  const running = new Set<AbortController>()
  let closing: Promise<void> | undefined

  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const url = new URL(req.url ?? '/', 'http://exporter.invalid')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return answer(res, 405, 'method not allowed\n')
    }
    if (url.pathname === '/probe') {
      return void handleProbe(req, res, url.searchParams).catch((error: Error) => {
        logger.error({ err: error }, 'probe failed unexpectedly')
        answer(res, 500, 'internal error\n')
      })
    }
    if (url.pathname === '/metrics') {
      return void metrics.registry.metrics().then(
        (text) => answer(res, 200, text, metrics.registry.contentType),
        (error: Error) => {
          logger.error({ err: error }, 'metrics collection failed')
          answer(res, 500, 'metrics unavailable\n')
        },
      )
    }
    if (url.pathname === '/healthz') {
      return closing === undefined ? answer(res, 200, 'ok\n') : answer(res, 503, 'shutting down\n')
    }
    answer(res, 404, 'not found: GET /probe?target=URL[&site=NAME], /metrics or /healthz\n')
  })

  async function handleProbe(req: IncomingMessage, res: ServerResponse, params: URLSearchParams) {
    const targets = params.getAll('target')
    const siteNames = params.getAll('site')
    let choice
    try {
      if (targets.length !== 1)
        throw new ProbeTargetError('target: expected exactly one target=URL parameter')
      if (siteNames.length > 1) throw new ProbeTargetError('site: expected at most one site=NAME parameter')
      choice = table.choose(targets[0]!, siteNames[0])
    } catch (error) {
      if (!(error instanceof ProbeTargetError)) throw error
      metrics.rejected.inc({ reason: 'bad_target' })
      return answer(res, 400, `${error.message}\n`)
    }
    const started = performance.now()
    const timeout = probeTimeout(req, settings.timeout)
    // The scrape went away (Prometheus' own timeout, a closed connection): the probe stops too.
    const cancelled = new AbortController()
    const onClose = () => {
      if (!res.writableFinished) cancelled.abort(new ProbeError('the scrape was cancelled', 'other'))
    }
    res.once('close', onClose)
    running.add(cancelled)
    const queueTimer = setTimeout(
      () => cancelled.abort(new ProbeError(`timed out after ${timeout} ms waiting for a slot`, 'timeout')),
      timeout,
    )
    const slot = limiter.acquire(cancelled.signal)
    if (slot === null) {
      clearTimeout(queueTimer)
      running.delete(cancelled)
      metrics.rejected.inc({ reason: 'overloaded' })
      return answer(res, 503, 'too many probes waiting (probe.concurrency, probe.maxQueued)\n')
    }
    metrics.queued.set(limiter.queued)
    let release: (() => void) | undefined
    let result: ProbeResult
    let verdict: Verdict | undefined
    try {
      release = await slot
      clearTimeout(queueTimer)
      metrics.queued.set(limiter.queued)
      metrics.inFlight.set(limiter.running)
      result = await runProbe(choice, {
        settings,
        allowRedirect: (next) => table.allows(next),
        timeout,
        waited: performance.now() - started,
        signal: cancelled.signal,
        onVerdict: (v) => (verdict = v),
      })
    } catch (error) {
      // Only the queue wait rejects (timeout or cancel): the probe never started.
      clearTimeout(queueTimer)
      result = failedInQueue(choice.url.href, choice.site, error as ProbeError, performance.now() - started)
    } finally {
      release?.()
      running.delete(cancelled)
      res.off('close', onClose)
      metrics.inFlight.set(limiter.running)
      metrics.queued.set(limiter.queued)
    }
    countProbe(metrics, result, verdict)
    logProbe(logger, result, randomUUID())
    if (res.destroyed) return
    const text = await probeExposition(result)
    answer(res, 200, text, 'text/plain; version=0.0.4; charset=utf-8')
  }

  async function close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    for (const controller of running)
      controller.abort(new ProbeError('the exporter is shutting down', 'other'))
    server.closeIdleConnections()
    // Cancelled probes answer within a turn or two; then nothing is left to wait for.
    await new Promise((resolve) => setTimeout(resolve, 50))
    server.closeAllConnections()
    await stopped
  }

  return {
    server,
    metrics,
    logger,
    settings,
    listen: () =>
      new Promise((resolve, reject) => {
        server.once('error', reject)
        server.listen(listenAt.port, listenAt.host, () => {
          server.off('error', reject)
          const address = server.address() as AddressInfo
          resolve(addressUrl(address.address, address.port))
        })
      }),
    close: () => (closing ??= close()),
  }
}

/** The configured timeout, or Prometheus' scrape timeout less the offset when that is shorter. */
function probeTimeout(req: IncomingMessage, configured: number): number {
  const header = Number(req.headers['x-prometheus-scrape-timeout-seconds'])
  if (!Number.isFinite(header) || header <= 0) return configured
  return Math.max(1, Math.min(configured, Math.round(header * 1000) - SCRAPE_TIMEOUT_OFFSET_MS))
}

function failedInQueue(
  target: string,
  site: string | undefined,
  error: ProbeError,
  waitedMs: number,
): ProbeResult {
  return {
    target,
    url: target,
    site,
    success: false,
    failure: error.reason ?? 'other',
    error,
    status: 0,
    bodyBytes: 0,
    redirects: 0,
    seconds: { dns: 0, connect: 0, tls: 0, first_byte: 0, total: waitedMs / 1000 },
    violations: [],
    violationCount: 0,
    violationsByDirective: {},
    pins: { checked: 0, mismatched: 0, unchecked: 0 },
  }
}

function answer(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (res.destroyed) return
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}
