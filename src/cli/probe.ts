import { UsageError } from '../errors.js'
import { loadPolicy, parsePolicy } from '../policy/load.js'
import type { Policy } from '../policy/types.js'
import { loadProbeConfig, type ProbeConfig } from '../probe/config.js'
import { createProbeExporter } from '../probe/exporter.js'
import { resolveProbeSettings } from '../probe/options.js'
import { runProbe } from '../probe/probe.js'
import type { ProbeResult, ProbeViolation } from '../probe/result.js'
import { TargetTable } from '../probe/targets.js'
import { parseListen } from '../proxy/listen.js'
import { LOG_LEVELS } from '../proxy/options.js'
import { nextSignal } from '../proxy/signals.js'
import { parseFlags } from './args.js'
import { violationText } from './format.js'
import { out, say } from './io.js'

export const PROBE_USAGE = `usage: tagwarden probe [--policy FILE | --csp STRING | --config FILE] [--site NAME] [--json] [--user-agent UA] [--timeout MS] URL...
       tagwarden probe --listen [HOST:]PORT --config FILE [--policy FILE] [--log-level LEVEL]

Fetches pages as a visitor receives them (GET, Accept: text/html, gzip/br, redirects followed) and
inspects them against the policy, pinned third-party scripts and stylesheets included.
  --policy FILE        the policy (JSON, YAML or a CSP string); with --config, for targets no site matches
  --csp STRING         the policy as a CSP string
  --config FILE        sites, hosts, policies and the "probe" section (schema/config.schema.json)
  --site NAME          with --config: judge every URL with this site's policy
  --json               one JSON object per violation and one per probe, per line
  --user-agent UA      the User-Agent sent (default "Mozilla/5.0 (compatible; tagwarden-probe)")
  --timeout MS         one probe's budget, redirects and pinned resources included (default 10000)
  --listen [HOST:]PORT run as a Prometheus exporter: GET /probe?target=URL[&site=NAME], /metrics, /healthz
  --log-level LEVEL    the exporter's: fatal, error, warn, info (default), debug, trace or silent
Exit status (one-shot): 0 clean, 1 violations (a changed pin included), 2 usage, configuration or
policy error, or a probe that failed (DNS, connect, TLS, timeout, non-2xx, redirects, size: named on stderr).
The exporter probes only what the configuration allows (sites' hosts, probe.allow prefixes): else 400.`

type Values = Partial<
  Record<'policy' | 'csp' | 'config' | 'site' | 'user-agent' | 'timeout' | 'listen' | 'log-level', string>
> & {
  json?: boolean
}

/** `tagwarden probe`: returns the exit status (the exporter runs until SIGTERM/SIGINT). */
export async function probe(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('probe', {
    args,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      csp: { type: 'string' },
      config: { type: 'string' },
      site: { type: 'string' },
      json: { type: 'boolean', default: false },
      'user-agent': { type: 'string' },
      timeout: { type: 'string' },
      listen: { type: 'string' },
      'log-level': { type: 'string' },
    },
  })
  if (values.policy !== undefined && values.csp !== undefined)
    throw new UsageError('use --policy or --csp, not both')
  const policy =
    values.policy !== undefined
      ? await loadPolicy(values.policy)
      : values.csp !== undefined
        ? parsePolicy(values.csp, '--csp')
        : undefined
  if (values.listen !== undefined) return exporter(values, positionals, policy)
  return oneShot(values, positionals, policy)
}

async function exporter(values: Values, positionals: string[], policy: Policy | undefined): Promise<number> {
  if (positionals.length > 0)
    throw new UsageError('--listen runs the exporter: give targets in GET /probe, not as URLs')
  if (values.config === undefined) throw new UsageError('--listen needs --config FILE (what may be probed)')
  for (const flag of ['site', 'user-agent', 'timeout', 'csp'] as const) {
    if (values[flag] !== undefined)
      throw new UsageError(`--${flag}: set it in the configuration file for the exporter`)
  }
  if (values.json) throw new UsageError('--json is for one-shot probes')
  const listen = parseListen(values.listen!)
  if (typeof listen === 'string')
    throw new UsageError(`--listen: ${listen}, got ${JSON.stringify(values.listen)}`)
  const level = values['log-level']
  if (level !== undefined && !(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new UsageError(
      `--log-level: expected one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`,
    )
  }
  const config = await loadProbeConfig(values.config, { policy })
  const exporter = createProbeExporter({
    sites: config.sites,
    policy: config.policy,
    limits: config.limits,
    probe: config.probe,
    listen: values.listen,
    logLevel: level ?? config.logLevel,
  })
  let url: string
  try {
    url = await exporter.listen()
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException
    throw new UsageError(`cannot listen on ${values.listen}: ${code ?? (error as Error).message}`)
  }
  exporter.logger.info(
    { url, sites: config.sites.map((s) => s.name), allow: config.probe.allow },
    'listening',
  )
  const signal = await nextSignal()
  exporter.logger.info({ signal }, 'shutting down')
  await exporter.close()
  exporter.logger.info('stopped')
  return 0
}

async function oneShot(values: Values, urls: string[], policy: Policy | undefined): Promise<number> {
  if (urls.length === 0)
    throw new UsageError('probe needs at least one URL (or --listen to run the exporter)')
  if (values.config === undefined && policy === undefined) {
    throw new UsageError('probe needs one of --policy FILE, --csp STRING or --config FILE')
  }
  if (values.site !== undefined && values.config === undefined)
    throw new UsageError('--site needs --config FILE')
  const config: ProbeConfig | undefined =
    values.config === undefined ? undefined : await loadProbeConfig(values.config, { policy })
  const settings = resolveProbeSettings({
    ...config?.probe,
    ...(values['user-agent'] === undefined ? {} : { userAgent: values['user-agent'] }),
    ...(values.timeout === undefined ? {} : { timeout: wholeMs(values.timeout) }),
  })
  // Without a configuration, the URLs on the command line are what is allowed (both schemes of each
  // host: http -> https is the most common redirect there is).
  const table =
    config !== undefined
      ? new TargetTable(config.sites, settings.allow, config.policy, config.limits)
      : new TargetTable([], urls.flatMap(hostPrefixes), policy)

  let status = 0
  const results: (ProbeResult | Error)[] = new Array(urls.length)
  let next = 0
  const worker = async () => {
    for (let i = next++; i < urls.length; i = next++) {
      try {
        const choice = table.choose(urls[i]!, values.site)
        results[i] = await runProbe(choice, { settings, allowRedirect: (url) => table.allows(url) })
      } catch (error) {
        results[i] = error as Error
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(settings.concurrency, urls.length) }, worker))
  for (const [i, result] of results.entries()) {
    if (result instanceof Error) {
      say(`${urls[i]}: ${result.message}`)
      status = 2
      continue
    }
    for (const v of result.violations)
      out(values.json ? `${jsonViolation(result, v)}\n` : `${textLine(result, v)}\n`)
    if (result.violationCount > result.violations.length) {
      say(`${result.target}: ${result.violationCount - result.violations.length} more violations not listed`)
    }
    if (values.json) out(`${jsonProbe(result)}\n`)
    if (result.violationCount > 0) status = Math.max(status, 1)
    if (result.failure !== undefined) {
      say(`${result.target}: probe failed (${result.failure}): ${result.error?.message}`)
      status = 2
    }
  }
  return status
}

function wholeMs(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--timeout: expected a whole number of milliseconds, got ${JSON.stringify(value)}`)
  }
  return Number(value)
}

function hostPrefixes(value: string): string[] {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return []
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return []
  return [`${url.origin}/`, `http://${url.hostname}/`, `https://${url.hostname}/`].map((p) => new URL(p).href)
}

function jsonViolation(result: ProbeResult, v: ProbeViolation): string {
  const { directive, element, attribute, value, url, line, column, expected, seen } = v
  return JSON.stringify({
    type: 'violation',
    target: result.target,
    directive,
    element,
    attribute,
    value,
    url,
    line,
    column,
    expected,
    seen,
  })
}

function jsonProbe(r: ProbeResult): string {
  return JSON.stringify({
    type: 'probe',
    target: r.target,
    url: r.url,
    site: r.site,
    success: r.success,
    failure: r.failure,
    error: r.error?.message,
    status: r.status,
    redirects: r.redirects,
    bytes: r.bodyBytes,
    violations: r.violationCount,
    pins: r.pins,
    seconds: r.seconds,
  })
}

function textLine(result: ProbeResult, v: ProbeViolation): string {
  const pin = v.directive === 'pin' ? `${v.url}: expected ${v.expected}, got ${v.seen}` : undefined
  return violationText(result.target, v, pin)
}
