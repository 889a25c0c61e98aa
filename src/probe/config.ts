/**
 * `tagwarden probe --config FILE`: the proxy's configuration file (the same sites, hosts and
 * policies; one file serves both) plus its `probe` section. The proxy's loader checks and loads the
 * sites; the `probe` section is checked here first, so its errors name its fields.
 */
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { ConfigError, IoError } from '../errors.js'
import type { InspectorLimits } from '../inspect/options.js'
import { loadPolicy, parsePolicy } from '../policy/load.js'
import type { Policy } from '../policy/types.js'
import { loadProxyConfig } from '../proxy/config-file.js'
import { resolveProbeSettings, type ResolvedProbeSettings } from './options.js'
import type { ProbeSite } from './targets.js'

export interface ProbeConfig {
  sites: ProbeSite[]
  probe: ResolvedProbeSettings
  /** The top-level policy (or `--policy`): for targets allowed only by a `probe.allow` prefix. */
  policy: Policy | undefined
  limits: InspectorLimits | undefined
  logLevel: string | undefined
}

/** Read and check a configuration file for the probe. Throws ConfigError, PolicyError or IoError. */
export async function loadProbeConfig(file: string, options: { policy?: Policy } = {}): Promise<ProbeConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new IoError(`${file}: cannot read the configuration: ${(cause as Error).message}`, { cause })
  }
  let document: { probe?: unknown; policy?: unknown } | undefined
  try {
    // YAML 1.2 reads JSON too; a syntax error is left to the proxy's loader, which words it.
    document = parseYaml(text.replace(/^\uFEFF/, ''), {
      schema: 'core',
      maxAliasCount: 100,
    }) as typeof document
  } catch {
    document = undefined
  }
  let probe: ResolvedProbeSettings | undefined
  try {
    probe = resolveProbeSettings((document?.probe ?? {}) as object)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    throw new ConfigError(`${file}: ${error.message}`, { file, field: error.field })
  }
  const config = await loadProxyConfig(file, { policy: options.policy })
  const top = document?.policy
  const policy =
    typeof top === 'string'
      ? await loadPolicy(resolve(dirname(file), top))
      : top !== null && typeof top === 'object'
        ? parsePolicy(top, `${file}: policy`)
        : options.policy
  return {
    sites: config.sites.map((site) => ({
      name: site.name,
      hosts: site.hosts ?? [],
      policy: site.policy,
      limits: site.limits,
    })),
    probe,
    policy,
    limits: config.limits,
    logLevel: config.logLevel,
  }
}
