/**
 * Which URLs the probe may fetch, and with which policy. The exporter is never an open fetcher
 * (a GET /probe?target=… from anyone who can reach it must not make it fetch an internal address):
 * a target is probed only when the configuration names it, by a site's host or a URL prefix, and
 * every redirect must land on such a URL too.
 */
import type { InspectorLimits } from '../inspect/options.js'
import type { Policy } from '../policy/types.js'
import { ProbeTargetError } from '../errors.js'
import { parseHttpUrl } from './options.js'

/** A configured site as the probe sees it (the proxy's `target` plays no part). */
export interface ProbeSite {
  /** The `site` parameter and metrics label. */
  name: string
  /** `shop.example` or `*.shop.example`; `*` alone allows no target (it would allow every host). */
  hosts: string[]
  policy: Policy
  limits?: InspectorLimits
}

/** What a target is probed with. */
export interface TargetChoice {
  url: URL
  /** The site's name; undefined when only a URL prefix allows the target and no site was named. */
  site: string | undefined
  policy: Policy
  limits: InspectorLimits | undefined
}

/** Ports a site's host allows: a host names a web site, not every service on that machine. */
const WEB_PORTS = new Set(['', '80', '443'])

export class TargetTable {
  readonly #sites = new Map<string, ProbeSite>()
  readonly #exact = new Map<string, ProbeSite>()
  readonly #suffixes: [string, ProbeSite][] = []
  readonly #prefixes: readonly string[]
  readonly #fallback: Policy | undefined
  readonly #limits: InspectorLimits | undefined

  /**
   * `allow`: URL prefixes (normalised hrefs). `fallback`: the policy of a prefix-allowed target that
   * no site's host matches and no `site` names (the config's top-level policy), if any.
   */
  constructor(
    sites: readonly ProbeSite[],
    allow: readonly string[],
    fallback?: Policy,
    limits?: InspectorLimits,
  ) {
    for (const site of sites) {
      this.#sites.set(site.name, site)
      for (const pattern of site.hosts) {
        const host = pattern.toLowerCase().replace(/\.$/, '')
        if (host === '*') continue
        if (host.startsWith('*.')) this.#suffixes.push([host.slice(1), site])
        else if (!this.#exact.has(host)) this.#exact.set(host, site)
      }
    }
    this.#suffixes.sort((a, b) => b[0].length - a[0].length)
    this.#prefixes = allow
    this.#fallback = fallback
    this.#limits = limits
  }

  get siteNames(): string[] {
    return [...this.#sites.keys()]
  }

  /** Whether the configuration allows fetching `url` (the target, or a redirect's location). */
  allows(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false
    if (url.username !== '' || url.password !== '') return false
    if (this.#prefixes.some((prefix) => url.href.startsWith(prefix))) return true
    return WEB_PORTS.has(url.port) && this.#siteByHost(url.hostname) !== undefined
  }

  /**
   * The target's URL, site and policy; a ProbeTargetError (the exporter's 400) when the target is
   * malformed, not allowed, names an unknown site, or no policy applies to it.
   */
  choose(target: string, siteName?: string): TargetChoice {
    const url = parseHttpUrl(target)
    if (url === undefined) {
      throw new ProbeTargetError('target: expected an absolute http:// or https:// URL without credentials')
    }
    url.hash = ''
    if (!this.allows(url)) {
      throw new ProbeTargetError(
        'target: not allowed by the configuration (no site host or probe.allow prefix)',
      )
    }
    let site: ProbeSite | undefined
    if (siteName !== undefined) {
      site = this.#sites.get(siteName)
      if (site === undefined) throw new ProbeTargetError(`site: no site is named ${JSON.stringify(siteName)}`)
    } else {
      site = this.#siteByHost(url.hostname)
    }
    const policy = site?.policy ?? this.#fallback
    if (policy === undefined) {
      throw new ProbeTargetError(
        "site: no site matches the target's host and there is no top-level policy; name one with site=NAME",
      )
    }
    return {
      url,
      site: site?.name,
      policy,
      limits: site?.limits === undefined ? this.#limits : { ...this.#limits, ...site.limits },
    }
  }

  #siteByHost(hostname: string): ProbeSite | undefined {
    const host = hostname.toLowerCase().replace(/\.$/, '')
    const exact = this.#exact.get(host)
    if (exact !== undefined) return exact
    for (const [suffix, site] of this.#suffixes) if (host.endsWith(suffix)) return site
    return undefined
  }
}
