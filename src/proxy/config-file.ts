/**
 * `--config FILE`: the proxy's configuration as JSON or YAML, checked against
 * `schema/config.schema.json`, with per-site policies loaded from files (relative to the config
 * file) or given inline. Every error names the file, the field and what was expected, on one line.
 */
import { readFile } from 'node:fs/promises'
import { dirname, extname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { IoError } from '../errors.js'
import type { InspectorLimits } from '../inspect/options.js'
import { parsePolicy, policyFromText } from '../policy/load.js'
import type { LiveLearnOptions } from './live-learn.js'
import { cspHint, policyReading, type PolicyReading } from '../policy/source.js'
import type { Action, Policy } from '../policy/types.js'
import { validateConfigShape } from './config-schema.js'
import { ConfigError } from '../errors.js'
import {
  resolveProxyOptions,
  type ProxyOptions,
  type ProxySiteOptions,
  type ProxyTimeouts,
  type SiteCspOptions,
} from './options.js'

/** A configuration file's contents once loaded: ProxyOptions plus what only the CLI acts on. */
export interface ProxyConfig extends ProxyOptions {
  /** The sites, each policy read. */
  sites: (ProxySiteOptions & { policy: Policy })[]
  /** Processes to run. Default 1. */
  workers?: number
}

/** The file as written (after the schema check). */
interface ConfigDocument {
  listen?: string | number
  metricsListen?: string | number
  workers?: number
  logLevel?: string
  trustProxy?: boolean
  blockPage?: string
  policy?: string | object
  action?: Action
  onLimit?: 'block' | 'pass'
  limits?: InspectorLimits
  timeouts?: ProxyTimeouts
  learnInterval?: number
  sites: {
    name: string
    hosts: string[]
    target: string
    policy?: string | object
    action?: Action
    onLimit?: 'block' | 'pass'
    limits?: InspectorLimits
    timeouts?: Pick<ProxyTimeouts, 'connect' | 'response'>
    csp?: SiteCspOptions
    learn?: string | LiveLearnOptions
  }[]
}

export interface LoadProxyConfigOptions {
  /** The policy of sites that name none (and the file names none at top level), e.g. from `--policy`. */
  policy?: Policy
}

/** Read, check and load a proxy configuration file. Throws ConfigError, PolicyError or IoError. */
export async function loadProxyConfig(
  file: string,
  options: LoadProxyConfigOptions = {},
): Promise<ProxyConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new IoError(`${file}: cannot read the configuration: ${(cause as Error).message}`, { cause })
  }
  const document = parseDocument(text.replace(/^\uFEFF/, ''), file)
  validateConfigShape(document, file)
  const doc = document as ConfigDocument
  const base = dirname(file)
  const policies = new Map<string, Promise<Policy>>()
  const policyAt = (value: string | object | undefined, field: string): Promise<Policy> | undefined => {
    if (value === undefined) return undefined
    let reading: PolicyReading
    try {
      reading = policyReading(value, `${file}: ${field}`)
    } catch (error) {
      throw new ConfigError((error as Error).message, { file, field })
    }
    if (reading === 'csp') {
      const csp = (value as { csp: unknown }).csp
      if (typeof csp !== 'string') {
        throw new ConfigError(`${file}: ${field}.csp: expected a CSP string`, { file, field: `${field}.csp` })
      }
      return Promise.resolve(parsePolicy(csp, `${file}: ${field}.csp (a CSP string)`))
    }
    if (reading !== 'file') return Promise.resolve(parsePolicy(value, `${file}: ${field}`))
    const name = typeof value === 'string' ? value : (value as { file: unknown }).file
    if (typeof name !== 'string' || name.trim() === '') {
      throw new ConfigError(`${file}: ${field}: expected a policy file path`, { file, field })
    }
    const path = resolve(base, name)
    if (!policies.has(path)) policies.set(path, readPolicyFile(path, name, `${file}: ${field}`))
    return policies.get(path)!
  }
  const fallback = policyAt(doc.policy, 'policy') ?? (options.policy && Promise.resolve(options.policy))
  const sites = await Promise.all(
    doc.sites.map(async (site, i) => {
      const policy = policyAt(site.policy, `sites[${i}].policy`) ?? fallback
      if (policy === undefined) {
        throw new ConfigError(
          `${file}: sites[${i}].policy: missing; expected a policy file or an inline policy object (or a top-level "policy", or --policy)`,
          { file, field: `sites[${i}].policy` },
        )
      }
      // A learned policy's path is relative to the configuration, as every path in it.
      const learn =
        site.learn === undefined
          ? undefined
          : typeof site.learn === 'string'
            ? { file: resolve(base, site.learn) }
            : { ...site.learn, file: resolve(base, site.learn.file) }
      return { ...site, policy: await policy, ...(learn === undefined ? {} : { learn }) }
    }),
  )
  const config: ProxyConfig = {
    sites,
    listen: doc.listen === undefined ? undefined : String(doc.listen),
    metricsListen: doc.metricsListen === undefined ? undefined : String(doc.metricsListen),
    workers: doc.workers,
    logLevel: doc.logLevel,
    trustProxy: doc.trustProxy,
    blockPage:
      doc.blockPage === undefined ? undefined : await readBlockPage(resolve(base, doc.blockPage), file),
    action: doc.action,
    onLimit: doc.onLimit,
    limits: doc.limits,
    timeouts: doc.timeouts,
    learnInterval: doc.learnInterval,
  }
  try {
    resolveProxyOptions(config)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    throw new ConfigError(`${file}: ${error.message}`, { file, field: error.field })
  }
  return config
}

/** A site's policy file; the error says the string was read as a path, relative to the configuration. */
async function readPolicyFile(path: string, name: string, where: string): Promise<Policy> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    const why = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (cause as Error).message
    throw new IoError(
      `${where}: cannot read the policy file ${JSON.stringify(name)} (a string is read as a file path, relative to the configuration): ${why}${cspHint(name, 'policy: { csp: "…" }')}`,
      { cause },
    )
  }
  return policyFromText(text, path)
}

async function readBlockPage(path: string, file: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (cause) {
    throw new ConfigError(`${file}: blockPage: cannot read ${path}: ${(cause as Error).message}`, {
      file,
      field: 'blockPage',
    })
  }
}

/** `.json` as JSON, `.yaml`/`.yml` as YAML, anything else as JSON, then YAML (as policy files are read). */
function parseDocument(text: string, file: string): unknown {
  const ext = extname(file).toLowerCase()
  if (ext !== '.yaml' && ext !== '.yml') {
    try {
      return JSON.parse(text) as unknown
    } catch (cause) {
      if (ext === '.json') {
        throw new ConfigError(`${file}: expected JSON: ${(cause as Error).message.replace(/\s+/g, ' ')}`, {
          file,
        })
      }
    }
  }
  try {
    // Core schema: YAML 1.2 as JSON sees it; duplicate keys are errors, aliases are bounded.
    return parseYaml(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 100 }) as unknown
  } catch (cause) {
    const message = (cause as Error).message.split('\n')[0]!.replace(/:$/, '')
    throw new ConfigError(`${file}: expected YAML: ${message}`, { file })
  }
}
