/**
 * The proxy's options, as `createProxy` takes them (policies already loaded). A config file
 * (`loadProxyConfig`) and the CLI flags both end here; defaults are merged once, in `resolveProxyOptions`.
 */
import type { Logger } from 'pino'
import type { Registry } from 'prom-client'
import { resolveOptions, type InspectorLimits } from '../inspect/options.js'
import { readPolicySource, type PolicySource } from '../policy/source.js'
import type { Action, Policy } from '../policy/types.js'
import { ConfigError, InvalidOptionError } from '../errors.js'
import { parseListen, type ListenAddress } from './listen.js'
import { HostTable } from './routing.js'
import type { LiveLearnOptions, SentReference } from './live-learn.js'

/** Timeouts in milliseconds. */
export interface ProxyTimeouts {
  /** Connecting to the upstream (TCP): the client gets a 504. Default 10 000. */
  connect?: number
  /**
   * Upstream silence: no response headers this long after the request was sent, or no body byte this
   * long while the client keeps up. A 504 when nothing was sent yet, else the connection is cut.
   * Default 60 000.
   */
  response?: number
  /** The client must send its whole request (headers and body) within this: Node answers 408. Default 60 000. */
  request?: number
  /** An idle keep-alive client connection is closed after this. Default 5 000. */
  keepAlive?: number
  /** On close (SIGTERM/SIGINT in the CLI), in-flight responses get this long to finish. Default 10 000. */
  shutdown?: number
}

/** Per-site settings; each unset one falls back to the proxy-wide one. */
export interface ProxySiteOptions {
  /** The site's name: the `site` label of every metric. Letters, digits, `_`, `.`, `-`. Required. */
  name: string
  /** Host names it answers (`shop.example`, `*.shop.example`, `*` for any). Default `['*']`. */
  hosts?: string[]
  /** The upstream origin, `http://` or `https://`, without a path. Required. */
  target: string
  /**
   * The policy its HTML responses are held against. Required. As the embedding faces take it: a
   * string or `file:` URL is a policy file's path (read when the proxy is created), `{ csp }` a CSP
   * string, or a policy object, or a `Policy`.
   */
  policy: PolicySource
  /** Overrides the policy's action. Default: the policy's. */
  action?: Action
  /** See InspectorOptions.onLimit. Default `block` when the action is `block`, else `pass`. */
  onLimit?: 'block' | 'pass'
  /** See InspectorLimits; merged over the proxy-wide limits. Default DEFAULT_LIMITS. */
  limits?: InspectorLimits
  timeouts?: Pick<ProxyTimeouts, 'connect' | 'response'>
  /** A CSP header derived from the policy for visitors' browsers, and the endpoint for their reports. */
  csp?: SiteCspOptions
  /**
   * Learn the site's policy from its traffic into this file (or `{ file, maxHashes, maxPathsPerOrigin }`):
   * saved every `learnInterval` and on close, read back on start.
   */
  learn?: string | LiveLearnOptions
}

/**
 * `header`: `report-only` adds `Content-Security-Policy-Report-Only` to every HTML response, `enforce`
 * adds `Content-Security-Policy`, `off` (the default) nothing. Either way with `report-uri`/`report-to`
 * (and `Reporting-Endpoints`) naming `reportPath` on the site's own host, which the proxy answers
 * itself. A CSP the site sends stays beside it.
 */
export interface SiteCspOptions {
  header?: 'report-only' | 'enforce' | 'off'
  /** Default `/.well-known/tagwarden/csp-report`. */
  reportPath?: string
  /**
   * Also name the endpoint with `report-to` and `Reporting-Endpoints` (the Reporting API). Default
   * true. Chromium, given `report-to`, ignores `report-uri` and sends reports in batches (up to a
   * minute later); false leaves only `report-uri`, which every browser sends at once.
   */
  reportTo?: boolean
}

export const DEFAULT_REPORT_PATH = '/.well-known/tagwarden/csp-report'

export interface ProxyOptions {
  /** The sites: at least one. */
  sites: ProxySiteOptions[]
  /** `[HOST:]PORT` to serve the proxy on (port 0: any free port). Default `127.0.0.1:8080`. */
  listen?: string
  /** `[HOST:]PORT` to serve GET /metrics and GET /healthz on, or `false` for none. Default `127.0.0.1:9464`. */
  metricsListen?: string | false
  /**
   * Trust the client's X-Forwarded-Proto/-For/-Host (a load balancer in front): the document URL takes
   * its scheme from X-Forwarded-Proto and X-Forwarded-For is appended to. Default false: they are
   * replaced with what this proxy sees.
   */
  trustProxy?: boolean
  /** The HTML of the 502 page sent for a blocked response; `{{requestId}}` is replaced. Default: a short page. */
  blockPage?: string
  /** Proxy-wide default for the sites' `action`. Default: each policy's. */
  action?: Action
  /** Proxy-wide default for the sites' `onLimit`. */
  onLimit?: 'block' | 'pass'
  /** Proxy-wide default for the sites' limits. */
  limits?: InspectorLimits
  timeouts?: ProxyTimeouts
  /** The metrics registry. Default: a private `new Registry()` with prom-client's default process metrics. */
  registry?: Registry
  /** A pino logger. Default: JSON lines on stdout at `logLevel`. */
  logger?: Logger
  /** `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Default `info`. */
  logLevel?: string
  /** How often learning sites save their policy, in milliseconds. Default 30 000. */
  learnInterval?: number
  /**
   * @internal A `--workers` worker's: where the new references of learning sites go (the primary
   * holds the files). Unset: the proxy learns into the files itself.
   */
  sendLearned?: (site: string, ref: SentReference, path: string) => void
}

export const DEFAULT_TIMEOUTS: Readonly<Required<ProxyTimeouts>> = Object.freeze({
  connect: 10_000,
  response: 60_000,
  request: 60_000,
  keepAlive: 5_000,
  shutdown: 10_000,
})

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

export interface ResolvedSite {
  name: string
  target: URL
  policy: Policy
  action: Action
  onLimit: 'block' | 'pass'
  limits: InspectorLimits
  connectTimeout: number
  responseTimeout: number
  csp: Required<SiteCspOptions>
  learn: LiveLearnOptions | undefined
}

export interface ResolvedProxyOptions {
  sites: ResolvedSite[]
  hosts: HostTable<ResolvedSite>
  listen: ListenAddress
  metricsListen: ListenAddress | false
  trustProxy: boolean
  blockPage: string | undefined
  timeouts: Required<ProxyTimeouts>
  learnInterval: number
}

const SITE_NAME = /^[A-Za-z0-9_.-]{1,64}$/

function fail(field: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : `, got ${JSON.stringify(got)}`
  throw new ConfigError(`${field}: ${expected}${shown}`, { field })
}

function listenOption(field: string, value: string): ListenAddress {
  const parsed = parseListen(value)
  if (typeof parsed === 'string') fail(field, parsed, value)
  return parsed
}

/** The upstream must be an origin: the proxy only ever connects to configured origins. */
export function parseTarget(value: string): URL | string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'expected an http:// or https:// origin, e.g. http://127.0.0.1:3000'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'expected an http:// or https:// origin'
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/') {
    return 'expected an origin only (no path, query or credentials), e.g. http://127.0.0.1:3000'
  }
  return url
}

function timeout(field: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback
  if (!Number.isInteger(value) || value < 1)
    fail(field, 'expected a positive whole number of milliseconds', value)
  return value
}

/** Merge defaults once and reject bad values with a ConfigError naming the field. */
export function resolveProxyOptions(options: ProxyOptions): ResolvedProxyOptions {
  if (!Array.isArray(options.sites) || options.sites.length === 0) fail('sites', 'expected at least one site')
  const t = options.timeouts ?? {}
  const timeouts = {} as Required<ProxyTimeouts>
  for (const key of Object.keys(DEFAULT_TIMEOUTS) as (keyof ProxyTimeouts)[]) {
    timeouts[key] = timeout(`timeouts.${key}`, t[key], DEFAULT_TIMEOUTS[key])
  }
  const hosts = new HostTable<ResolvedSite>()
  const names = new Set<string>()
  const sites = options.sites.map((site, i) => {
    const at = `sites[${i}]`
    if (typeof site.name !== 'string' || !SITE_NAME.test(site.name)) {
      fail(`${at}.name`, 'expected a name of letters, digits, "_", "." or "-" (at most 64)', site.name)
    }
    if (names.has(site.name)) fail(`${at}.name`, 'expected a name no other site has', site.name)
    names.add(site.name)
    const target = parseTarget(String(site.target))
    if (typeof target === 'string') fail(`${at}.target`, target, site.target)
    const policy = sitePolicy(`${at}.policy`, site.policy)
    const action = site.action ?? options.action ?? policy.action
    const resolved: ResolvedSite = {
      name: site.name,
      target,
      policy,
      action,
      onLimit: site.onLimit ?? options.onLimit ?? (action === 'block' ? 'block' : 'pass'),
      limits: { ...options.limits, ...site.limits },
      connectTimeout: timeout(`${at}.timeouts.connect`, site.timeouts?.connect, timeouts.connect),
      responseTimeout: timeout(`${at}.timeouts.response`, site.timeouts?.response, timeouts.response),
      csp: siteCsp(`${at}.csp`, site.csp),
      learn: siteLearn(`${at}.learn`, site.learn),
    }
    checkInspectorOptions(at, resolved)
    for (const [j, host] of (site.hosts ?? ['*']).entries()) {
      const problem = hosts.add(host, resolved)
      if (problem) fail(`${at}.hosts[${j}]`, problem, host)
    }
    return resolved
  })
  return {
    sites,
    hosts,
    listen: listenOption('listen', options.listen ?? '127.0.0.1:8080'),
    metricsListen:
      options.metricsListen === false
        ? false
        : listenOption('metricsListen', options.metricsListen ?? '127.0.0.1:9464'),
    trustProxy: options.trustProxy ?? false,
    blockPage: options.blockPage,
    timeouts,
    learnInterval: timeout('learnInterval', options.learnInterval, DEFAULT_LEARN_INTERVAL),
  }
}

export const DEFAULT_LEARN_INTERVAL = 30_000

/** A site's `learn` as options: a string is the file. */
export function learnOptions(learn: string | LiveLearnOptions | undefined): LiveLearnOptions | undefined {
  return typeof learn === 'string' ? { file: learn } : learn
}

function siteLearn(
  field: string,
  learn: string | LiveLearnOptions | undefined,
): LiveLearnOptions | undefined {
  if (learn === undefined) return undefined
  const options = learnOptions(learn)!
  if (typeof options?.file !== 'string' || options.file === '')
    fail(field, 'expected a file path, or { file, maxHashes, maxPathsPerOrigin }', learn)
  for (const bound of ['maxHashes', 'maxPathsPerOrigin'] as const) {
    const value = options[bound]
    if (value !== undefined && (!Number.isInteger(value) || value < 1))
      fail(`${field}.${bound}`, 'expected a positive whole number', value)
  }
  return options
}

function siteCsp(field: string, csp: SiteCspOptions | undefined): Required<SiteCspOptions> {
  const header = csp?.header ?? 'off'
  if (!['report-only', 'enforce', 'off'].includes(header))
    fail(`${field}.header`, 'expected "report-only", "enforce" or "off"', header)
  const reportPath = csp?.reportPath ?? DEFAULT_REPORT_PATH
  if (typeof reportPath !== 'string' || !/^\/[^?#\s]*$/.test(reportPath))
    fail(`${field}.reportPath`, 'expected a path beginning with "/", without query or fragment', reportPath)
  const reportTo = csp?.reportTo ?? true
  if (typeof reportTo !== 'boolean') fail(`${field}.reportTo`, 'expected true or false', reportTo)
  return { header, reportPath, reportTo }
}

/** A site's policy in any PolicySource form; a malformed one is a ConfigError naming the field. */
function sitePolicy(field: string, source: PolicySource): Policy {
  try {
    return readPolicySource(source, field)
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new ConfigError(error.message, { field })
    throw error
  }
}

/** Inspector options are checked per response by the core: check them once here, naming the field. */
function checkInspectorOptions(at: string, site: ResolvedSite): void {
  try {
    resolveOptions({ policy: site.policy, action: site.action, onLimit: site.onLimit, limits: site.limits })
  } catch (error) {
    const message = (error as Error).message.replace(/^options\./, '')
    const field = /^(\S+) /.exec(message)?.[1] ?? ''
    throw new ConfigError(`${at}.${message.replace(/^(\S+) must be/, '$1: expected')}`, {
      field: `${at}.${field}`,
    })
  }
}
