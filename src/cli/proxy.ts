import cluster from 'node:cluster'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from '../errors.js'
import { loadPolicy } from '../policy/load.js'
import { runPrimary, runWorker } from '../proxy/cluster.js'
import { loadProxyConfig, type ProxyConfig } from '../proxy/config-file.js'
import { parseListen } from '../proxy/listen.js'
import { LOG_LEVELS, parseTarget } from '../proxy/options.js'
import { createLogger } from '../proxy/logger.js'
import { createProxy } from '../proxy/server.js'
import { nextSignal } from '../proxy/signals.js'
import { reloadOnHangup } from '../proxy/reload.js'
import { listening, notePolicies } from '../proxy/startup.js'
import { parseFlags } from './args.js'

export const PROXY_USAGE = `usage: tagwarden proxy --target URL [--policy FILE] [--listen [HOST:]PORT] [--metrics-listen [HOST:]PORT] [--config FILE] [--workers N] [--log-level LEVEL] [--learn DIR]

Serves one site (--target) or the sites of a configuration file (--config) through an inspecting
reverse proxy; HTML responses are held against the site's policy, blocked or reported.
  --target URL             the upstream origin (one site, "default", answering every Host); needs --policy
  --policy FILE            the policy (JSON, YAML or a CSP string); with --config, for sites naming none
  --config FILE            the sites, their upstreams and policies (JSON or YAML; schema/config.schema.json)
  --listen [HOST:]PORT     where to serve the proxy (default 127.0.0.1:8080; port 0: any free port)
  --metrics-listen [HOST:]PORT  GET /metrics and GET /healthz (default 127.0.0.1:9464)
  --workers N              processes to run (default 1); /metrics aggregates them
  --log-level LEVEL        fatal, error, warn, info (default), debug, trace or silent
  --watch                  reload when the configuration or a policy file changes, as on SIGHUP
  --learn DIR              learn each site's policy from its traffic into DIR/<site>.json (saved every
                           learnInterval, default 30 s, and on shutdown; read back on start; with
                           --workers the primary writes it)
Logs are JSON lines on stdout; the first, "listening", gives the bound addresses.
SIGTERM/SIGINT: stop accepting, finish in-flight responses (grace: timeouts.shutdown), exit 0.
SIGHUP (or with --watch, a change to the configuration or a policy file): read them again; responses under way finish under the old ones. A
bad new configuration is logged (file, field) and the running one kept. With --workers, every worker.
Exit status 2: a bad flag, configuration or policy, or an address that cannot be listened on.`

/** `tagwarden proxy`: runs until SIGTERM/SIGINT, then returns the exit status. */
export async function proxy(args: string[]): Promise<number> {
  const { values } = parseFlags('proxy', {
    args,
    options: {
      target: { type: 'string' },
      policy: { type: 'string' },
      config: { type: 'string' },
      listen: { type: 'string' },
      'metrics-listen': { type: 'string' },
      workers: { type: 'string' },
      'log-level': { type: 'string' },
      learn: { type: 'string' },
      watch: { type: 'boolean', default: false },
    },
  })
  const config = await configure(values)
  const workers = config.workers ?? 1
  const level = config.logLevel ?? 'info'
  // SIGHUP: the configuration and policies read again, as at start.
  const reread = () => configure(values)
  if (cluster.isWorker) return runWorker(config, reread)
  // --watch: the configuration and the policy files it read, as SIGHUP would.
  const watched = values.watch ? watchedFiles(values, config) : []
  if (workers > 1) return runPrimary(config, workers, createLogger(level), watched)

  const proxy = createProxy(config)
  notePolicies(config, proxy.logger)
  const { url, metricsUrl } = await listening(proxy.listen(), config)
  proxy.logger.info({ url, metricsUrl, sites: config.sites.map((s) => s.name), workers: 1 }, 'listening')
  const stopReloading = reloadOnHangup(proxy, reread, watched)
  const signal = await nextSignal()
  stopReloading()
  // close() stops accepting before it returns its promise: "shutting down" is then already true.
  const inFlight = proxy.inFlight
  const closed = proxy.close()
  proxy.logger.info({ signal, inFlight }, 'shutting down')
  await closed
  proxy.logger.info('stopped')
  return 0
}

/** The configuration file, the --policy file and every policy read from a file. */
function watchedFiles(flags: Flags, config: ProxyConfig): string[] {
  const files = [flags.config, flags.policy, ...config.sites.map((site) => site.policy.origin)]
  return [...new Set(files.filter((f): f is string => f !== undefined && existsSync(f)))]
}

type Flags = Partial<
  Record<
    'target' | 'policy' | 'config' | 'listen' | 'metrics-listen' | 'workers' | 'log-level' | 'learn',
    string
  >
>

async function configure(flags: Flags): Promise<ProxyConfig> {
  if (flags.target !== undefined && flags.config !== undefined)
    throw new UsageError('use --target or --config, not both')
  if (flags.target === undefined && flags.config === undefined)
    throw new UsageError('proxy needs --target URL or --config FILE')
  for (const flag of ['listen', 'metrics-listen'] as const) {
    const value = flags[flag]
    const parsed = value === undefined ? undefined : parseListen(value)
    if (typeof parsed === 'string') throw new UsageError(`--${flag}: ${parsed}, got ${JSON.stringify(value)}`)
  }
  let workers: number | undefined
  if (flags.workers !== undefined) {
    workers = Number(flags.workers)
    if (!/^\d+$/.test(flags.workers) || workers < 1 || workers > 64) {
      throw new UsageError(
        `--workers: expected a whole number from 1 to 64, got ${JSON.stringify(flags.workers)}`,
      )
    }
  }
  const level = flags['log-level']
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(
      `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`,
    )
  }
  const policy = flags.policy === undefined ? undefined : await loadPolicy(flags.policy)
  let config: ProxyConfig
  if (flags.target !== undefined) {
    const target = parseTarget(flags.target)
    if (typeof target === 'string')
      throw new UsageError(`--target: ${target}, got ${JSON.stringify(flags.target)}`)
    if (policy === undefined) throw new UsageError('--target needs --policy FILE')
    config = { sites: [{ name: 'default', hosts: ['*'], target: target.href, policy }] }
  } else {
    config = await loadProxyConfig(flags.config!, { policy })
  }
  const learnDir = flags.learn
  const sites =
    learnDir === undefined
      ? config.sites
      : config.sites.map((site) => ({ ...site, learn: site.learn ?? join(learnDir, `${site.name}.json`) }))
  return {
    ...config,
    sites,
    listen: flags.listen ?? config.listen,
    metricsListen: flags['metrics-listen'] ?? config.metricsListen,
    workers: workers ?? config.workers,
    logLevel: level ?? config.logLevel,
  }
}
