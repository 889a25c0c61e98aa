/**
 * The standalone inspecting reverse proxy: an HTTP server in front of the configured sites, each
 * HTML response held against the site's policy on its way through, metrics on a separate port.
 */
import { randomUUID } from 'node:crypto'
import {
  Agent as HttpAgent,
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { Agent as HttpsAgent } from 'node:https'
import type { AddressInfo } from 'node:net'
import httpProxy from 'http-proxy'
import type { Logger } from 'pino'
import { createLogger } from './logger.js'
import { createMetrics, zeroSite, type TagwardenMetrics } from '../metrics/metrics.js'
import { createMetricsServer } from '../metrics/server.js'
import { Exchange } from './exchange.js'
import { upstreamRequestHeaders } from './headers.js'
import { addressUrl } from './listen.js'
import { logAccess, millisecondsSince, pathOnly } from './log-lines.js'
import { answerReport, ReportRateLimiter } from './report-endpoint.js'
import { LiveLearner, RemoteLearner } from './live-learn.js'
import { resolveProxyOptions, type ProxyOptions, type ResolvedSite } from './options.js'
import { errorResponse } from './responses.js'
import { documentUrl, requestTarget } from './routing.js'

export interface ProxyAddresses {
  /** `http://HOST:PORT` the proxy listens on (the bound port when 0 was asked for). */
  url: string
  /** `http://HOST:PORT` of GET /metrics and /healthz; undefined without a metrics listener. */
  metricsUrl: string | undefined
}

export interface TagwardenProxy {
  /** The proxy's HTTP server (not yet listening until `listen()`). */
  readonly server: Server
  /** The metrics server, or undefined with `metricsListen: false`. */
  readonly metricsServer: Server | undefined
  readonly metrics: TagwardenMetrics
  readonly logger: Logger
  /** Requests being answered right now. */
  readonly inFlight: number
  /** Start both listeners. */
  listen(): Promise<ProxyAddresses>
  /**
   * Stop accepting, let in-flight responses finish within `timeouts.shutdown`, cut what is left, then
   * release everything. Safe to call twice.
   */
  close(): Promise<void>
  /**
   * Take new sites, policies and settings: responses already under way finish under the ones they
   * started with, new requests get the new ones. Throws a ConfigError (and changes nothing) when the
   * options are invalid. The addresses listened on and the server timeouts (request, keepAlive) stay.
   */
  reload(options: ProxyOptions): void
}

/** Create the proxy (validating its options: a ConfigError names a bad field). Call `listen()` to start it. */
export function createProxy(options: ProxyOptions): TagwardenProxy {
  let config = resolveProxyOptions(options)
  const logger = options.logger ?? createLogger(options.logLevel)
  const metrics = createMetrics({ registry: options.registry, sites: config.sites.map((s) => s.name) })
  // Keep-alive agents, one per upstream: a new TCP connection per request would double the latency of
  // small pages. Node's agent honours the upstream's `Keep-Alive: timeout` hint when reusing a socket.
  const newAgent = (site: ResolvedSite): HttpAgent =>
    site.target.protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true })
  let agents = new Map<ResolvedSite, HttpAgent>(config.sites.map((site) => [site, newAgent(site)]))
  const learners = new Map<string, LiveLearner | RemoteLearner>()
  const learnedCount = (site: string) => (directive: string, count: number) =>
    metrics.learnedSources.set({ site, directive }, count)
  const { sendLearned } = options
  /** Each learning site's learner: kept across a reload when its file is the same. */
  const learnersFor = (sites: readonly ResolvedSite[]): Map<string, LiveLearner | RemoteLearner> => {
    const next = new Map<string, LiveLearner | RemoteLearner>()
    for (const site of sites) {
      if (site.learn === undefined) continue
      const current = learners.get(site.name)
      if (current !== undefined && current.file === site.learn.file) next.set(site.name, current)
      else if (sendLearned !== undefined)
        next.set(site.name, new RemoteLearner(site.learn, (ref, path) => sendLearned(site.name, ref, path)))
      else next.set(site.name, new LiveLearner(site.name, site.learn, logger, learnedCount(site.name)))
    }
    return next
  }
  const replaceLearners = (next: Map<string, LiveLearner | RemoteLearner>): void => {
    for (const [name, learner] of learners) if (next.get(name) !== learner) learner.save()
    learners.clear()
    for (const [name, learner] of next) learners.set(name, learner)
  }
  replaceLearners(learnersFor(config.sites))
  const saveLearned = (): void => {
    for (const learner of learners.values()) {
      try {
        learner.save()
      } catch (error) {
        logger.error({ err: error, file: learner.file }, 'cannot save the learned policy')
      }
    }
  }
  const learnTimer = setInterval(saveLearned, config.learnInterval)
  learnTimer.unref()

  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true, xfwd: false, changeOrigin: false })
  const exchanges = new WeakMap<IncomingMessage, Exchange>()
  proxy.on('proxyReq', (proxyReq, req) => exchanges.get(req)?.attach(proxyReq))
  proxy.on('proxyRes', (proxyRes, req) => exchanges.get(req)?.respond(proxyRes))

  const active = new Set<Exchange>()
  let closing: Promise<void> | undefined
  let drained: (() => void) | undefined

  const server = createServer({
    requestTimeout: config.timeouts.request,
    headersTimeout: config.timeouts.request,
    keepAliveTimeout: config.timeouts.keepAlive,
    // How often Node checks requestTimeout (default 30 s): often enough for the configured value.
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(config.timeouts.request / 4))),
  })
  /** The proxy's own 400 or 421: answered at once, with no upstream, and logged as any request is. */
  function refuse(
    req: IncomingMessage,
    res: ServerResponse,
    status: 400 | 421,
    started: number,
    site?: string,
  ) {
    const requestId = randomUUID()
    const bytes = errorResponse(res, status, requestId)
    logAccess(logger, {
      reqId: requestId,
      site,
      method: req.method,
      host: req.headers.host,
      path: pathOnly(req.url),
      status,
      verdict: 'skipped',
      bytes,
      complete: res.writableEnded,
      durationMs: millisecondsSince(started),
    })
  }

  const reportLimiter = new ReportRateLimiter()
  /** Visitors' browsers' CSP reports: answered here, never forwarded upstream. */
  function reportEndpoint(
    req: IncomingMessage,
    res: ServerResponse,
    site: string,
    host: string,
    path: string,
    started: number,
  ) {
    const reqId = randomUUID()
    const log = logger.child({ reqId, site })
    const access = (status: number | null, bytes: number) =>
      logAccess(logger, {
        reqId,
        site,
        method: req.method,
        host,
        path,
        status,
        verdict: 'skipped',
        bytes,
        complete: res.writableEnded,
        durationMs: millisecondsSince(started),
      })
    answerReport(req, res, { site, metrics, log, limiter: reportLimiter }).then(
      ({ status, bytes }) => access(status, bytes),
      (error: unknown) => {
        log.error({ err: error }, 'report endpoint failed')
        res.destroy()
        access(null, 0)
      },
    )
  }

  server.on('request', (req, res) => {
    const started = performance.now()
    if (closing) res.setHeader('connection', 'close')
    const target = requestTarget(req)
    if (target === 400) return refuse(req, res, 400, started)
    const site = config.hosts.match(target.hostname)
    // RFC 9110 §15.5.20: 421 is the answer of a server not configured for the request's authority.
    if (site === undefined) return refuse(req, res, 421, started)
    const url = documentUrl(req, target, config.trustProxy)
    if (url === undefined) return refuse(req, res, 400, started, site.name)
    if (site.csp.header !== 'off' && url.pathname === site.csp.reportPath) {
      return reportEndpoint(req, res, site.name, target.authority, url.pathname, started)
    }
    const requestId = randomUUID()
    let log: Logger | undefined
    const exchange = new Exchange(req, res, {
      site,
      url,
      path: target.path,
      requestId,
      // Made on first use: pino renders a child's bindings when it is made, and most requests log nothing.
      get log() {
        return (log ??= logger.child({
          reqId: requestId,
          site: site.name,
          method: req.method,
          path: url.pathname,
        }))
      },
      debug: logger.isLevelEnabled('debug'),
      metrics,
      blockPage: config.blockPage,
      learner: learners.get(site.name),
      logAccess: (outcome) =>
        logAccess(logger, {
          reqId: requestId,
          site: site.name,
          method: req.method,
          host: target.authority,
          path: url.pathname,
          ...outcome,
          durationMs: millisecondsSince(started),
        }),
      // A new connection: `agent: false` makes one for this request alone.
      retry: () =>
        proxy.web(req, res, { target: site.target, agent: false }, (error) => exchange.upstreamError(error)),
      onDone: (done) => {
        active.delete(done)
        exchanges.delete(req)
        if (active.size === 0) drained?.()
      },
    })
    active.add(exchange)
    exchanges.set(req, exchange)
    req.headers = upstreamRequestHeaders(req, config.trustProxy)
    req.url = target.path
    proxy.web(req, res, { target: site.target, agent: agents.get(site) }, (error) =>
      exchange.upstreamError(error),
    )
  })
  const metricsServer =
    config.metricsListen === false
      ? undefined
      : createMetricsServer(
          {
            metrics: () => metrics.registry.metrics(),
            contentType: metrics.registry.contentType,
            healthy: () => closing === undefined,
          },
          (error) => logger.error({ err: error }, 'metrics collection failed'),
        )

  async function close(): Promise<void> {
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    for (const exchange of active) exchange.lastOnConnection(() => server.closeIdleConnections())
    if (active.size > 0) {
      let timer: NodeJS.Timeout | undefined
      await new Promise<void>((resolve) => {
        drained = resolve
        timer = setTimeout(resolve, config.timeouts.shutdown)
      })
      clearTimeout(timer)
    }
    if (active.size > 0) {
      logger.warn(
        { inFlight: active.size },
        'shutdown grace period over: cutting the responses still in flight',
      )
      for (const exchange of active) exchange.abort()
    }
    server.closeAllConnections()
    await stopped
    if (metricsServer?.listening) {
      await new Promise<void>((resolve) => {
        metricsServer.close(() => resolve())
        metricsServer.closeAllConnections()
      })
    }
    for (const agent of agents.values()) agent.destroy()
    proxy.close()
    clearInterval(learnTimer)
    saveLearned()
  }

  return {
    server,
    metricsServer,
    metrics,
    logger,
    get inFlight() {
      return active.size
    },
    async listen() {
      const url = await listenOn(server, config.listen.host, config.listen.port)
      let metricsUrl: string | undefined
      try {
        if (metricsServer && config.metricsListen)
          metricsUrl = await listenOn(metricsServer, config.metricsListen.host, config.metricsListen.port)
      } catch (error) {
        // No proxy without its metrics: the proxy port is let go, and the caller exits.
        await new Promise((resolve) => server.close(resolve))
        throw error
      }
      return { url, metricsUrl }
    },
    close() {
      closing ??= close()
      return closing
    },
    reload(next) {
      const resolved = resolveProxyOptions(next)
      // Read (and checked) before anything changes: a learned file that cannot be read refuses the reload.
      const nextLearners = learnersFor(resolved.sites)
      // A site whose upstream did not change keeps its pooled connections.
      const byKey = new Map([...agents].map(([site, agent]) => [agentKey(site), agent]))
      agents = new Map(
        resolved.sites.map((site) => {
          const agent = byKey.get(agentKey(site)) ?? newAgent(site)
          byKey.delete(agentKey(site))
          return [site, agent]
        }),
      )
      for (const agent of byKey.values()) retireAgent(agent)
      for (const site of resolved.sites) zeroSite(metrics, site.name)
      replaceLearners(nextLearners)
      config = {
        ...resolved,
        listen: config.listen,
        metricsListen: config.metricsListen,
        timeouts: {
          ...resolved.timeouts,
          request: config.timeouts.request,
          keepAlive: config.timeouts.keepAlive,
        },
      }
    },
  }
}

const agentKey = (site: ResolvedSite): string => `${site.name} ${site.target.href}`

/** An agent no site uses any more: destroyed once the requests still on it have ended. */
function retireAgent(agent: HttpAgent): void {
  const timer = setInterval(() => {
    if (Object.values(agent.sockets).some((list) => (list?.length ?? 0) > 0)) return
    clearInterval(timer)
    agent.destroy()
  }, 1000)
  timer.unref()
}

function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error)
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      const address = server.address() as AddressInfo
      resolve(addressUrl(address.address, address.port))
    })
  })
}
