/**
 * The probe's settings: the config file's `probe` section, the CLI flags and `createProbeExporter`
 * all end here; defaults are merged once, in `resolveProbeSettings`.
 */
import { ConfigError } from '../errors.js'

const MiB = 1024 * 1024

/** How one probe fetches, and how many run at once. Every field has a default. */
export interface ProbeSettings {
  /**
   * URL prefixes that may be probed besides the sites' hosts, e.g. `https://shop.example/checkout/`
   * (compared with the target's normalised href; end a folder with `/`). Default none.
   */
  allow?: string[]
  /**
   * The User-Agent sent. Tampering that targets visitors often skips obvious robots, so a browser's
   * string may see more. Default `Mozilla/5.0 (compatible; tagwarden-probe)`.
   */
  userAgent?: string
  /**
   * One probe's whole budget in milliseconds: queueing, redirects, body, inspection and pinned
   * resources. The exporter also stays 0.5 s under Prometheus' scrape timeout
   * (`X-Prometheus-Scrape-Timeout-Seconds`) when that is shorter. Default 10 000.
   */
  timeout?: number
  /** Redirects followed (each must stay on an allowed target). Default 10. */
  maxRedirects?: number
  /** Body bytes read, as received (possibly compressed); more fails the probe (`body_too_large`). Default 10 MiB. */
  maxBodyBytes?: number
  /** Probes running at once in the exporter. Default 16. */
  concurrency?: number
  /** Probes waiting for a slot; beyond it the exporter answers 503. Default 64. */
  maxQueued?: number
  /** Pinned (or `integrity=`) resources fetched per probe; the rest are logged as unchecked. Default 20. */
  maxPins?: number
  /** Bytes of one pinned resource, received and decoded; more fails the probe (`pin_fetch`). Default 4 MiB. */
  maxPinBytes?: number
}

export type ResolvedProbeSettings = Required<ProbeSettings>

export const DEFAULT_PROBE_SETTINGS: Readonly<ResolvedProbeSettings> = Object.freeze({
  allow: [],
  userAgent: 'Mozilla/5.0 (compatible; tagwarden-probe)',
  timeout: 10_000,
  maxRedirects: 10,
  maxBodyBytes: 10 * MiB,
  concurrency: 16,
  maxQueued: 64,
  maxPins: 20,
  maxPinBytes: 4 * MiB,
})

const WHOLE: Record<string, [min: number, max: number]> = {
  timeout: [1, 3_600_000],
  maxRedirects: [0, 100],
  maxBodyBytes: [1, 2 ** 40],
  concurrency: [1, 4096],
  maxQueued: [0, 1_000_000],
  maxPins: [0, 1000],
  maxPinBytes: [1, 2 ** 40],
}

/** Merge defaults once; a bad value is a ConfigError naming `probe.<field>`. */
export function resolveProbeSettings(settings: ProbeSettings = {}): ResolvedProbeSettings {
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) {
    throw new ConfigError('probe: expected an object of probe settings', { field: 'probe' })
  }
  const resolved = { ...DEFAULT_PROBE_SETTINGS, ...settings } as ResolvedProbeSettings
  for (const key of Object.keys(settings)) {
    if (!(key in DEFAULT_PROBE_SETTINGS)) {
      fail(key, `unknown field; expected one of ${Object.keys(DEFAULT_PROBE_SETTINGS).join(', ')}`)
    }
  }
  for (const [key, [min, max]] of Object.entries(WHOLE)) {
    const value = resolved[key as keyof ResolvedProbeSettings]
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      fail(key, `expected a whole number from ${min} to ${max}`, value)
    }
  }
  if (typeof resolved.userAgent !== 'string' || /[\r\n]/.test(resolved.userAgent)) {
    fail('userAgent', 'expected a string on one line', resolved.userAgent)
  }
  if (!Array.isArray(resolved.allow)) fail('allow', 'expected a list of URL prefixes', resolved.allow)
  resolved.allow = resolved.allow.map((prefix, i) => {
    const url = typeof prefix === 'string' ? parseHttpUrl(prefix) : undefined
    if (url === undefined) {
      fail(`allow[${i}]`, 'expected an absolute http:// or https:// URL without credentials', prefix)
    }
    return url.href
  })
  return resolved
}

/** An absolute http(s) URL without credentials, or undefined. */
export function parseHttpUrl(value: string): URL | undefined {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  if (url.username !== '' || url.password !== '') return undefined
  return url
}

function fail(field: string, expected: string, got?: unknown): never {
  const shown = got === undefined ? '' : `, got ${JSON.stringify(got)}`
  throw new ConfigError(`probe.${field}: ${expected}${shown}`, { field: `probe.${field}` })
}
