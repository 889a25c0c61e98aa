/**
 * The options every embedding face shares (wrapHandler, middleware, fastifyTagwarden, attachInspector,
 * inspectResponse), checked and resolved once, when the face is created: the policy, the inspector's
 * settings, the metrics and the callbacks.
 */
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Registry } from 'prom-client'
import { InvalidOptionError, type TagwardenError } from '../errors.js'
import { CharsetDecoder } from '../html/charset.js'
import { resolveOptions, type InspectorLimits } from '../inspect/options.js'
import type { Violation } from '../inspect/verdict.js'
import type { TagwardenMetrics } from '../metrics/metrics.js'
import { loadPolicy, parsePolicy } from '../policy/load.js'
import type { Action, Policy } from '../policy/types.js'
import { metricsFor } from './metrics.js'

/**
 * A policy as the embedding faces take it: a `Policy` (from `loadPolicy`/`parsePolicy`), a policy
 * object (`{ action?, directives, routes? }`), a CSP string, or a policy file — a string ending in
 * `.json`, `.yaml` or `.yml`, or a `file:` URL.
 */
export type PolicySource = Policy | object | string | URL

/** Options shared by every embedding face. `Req` is the request the face hands to `onViolation`. */
export interface EmbedOptions<Req = unknown> {
  /**
   * The policy the HTML responses are held against. Required. A `Policy`, a policy object or a CSP
   * string is parsed when the face is created (a bad one throws a `PolicyError` there). A string
   * ending in `.json`, `.yaml` or `.yml` (any other string is a CSP string) or a `file:` URL is a
   * policy file: read once, when the face is created, without blocking; responses wait for it and
   * the face's `ready` promise settles with it. A file that cannot be read or is not a valid policy
   * fails every response (fail closed) and rejects `ready`.
   */
  policy: PolicySource
  /** Overrides the policy's `action`: `block` or `report`. Default: the policy's. */
  action?: Action
  /**
   * What a limit or an undecodable body does: `block` (the response is blocked like a violation) or
   * `pass` (the rest goes through uninspected). Default `block` when the action is `block`, else `pass`.
   */
  onLimit?: 'block' | 'pass'
  /** Per-response bounds; see `InspectorLimits`. Default `DEFAULT_LIMITS`. */
  limits?: InspectorLimits
  /** The encoding when no BOM, Content-Type charset or `<meta>` names one. Default `windows-1252`. */
  defaultEncoding?: string
  /**
   * Called for each violation as it is found, with the request of the response it is in. Whatever it
   * throws is reported with `process.emitWarning` and never affects the response. Default none.
   */
  onViolation?: (violation: Violation, req: Req) => void
  /**
   * A prom-client `Registry` to count in, with the metric names of `tagwarden proxy`
   * (`tagwarden_responses_total{site,verdict}`, `tagwarden_violations_total{site,directive,action}`,
   * `tagwarden_inspected_bytes_total{site}`, `tagwarden_inspection_seconds{site}`,
   * `tagwarden_upstream_errors_total{site,kind}`); faces sharing a registry share the metrics.
   * Default none: nothing is counted.
   */
  registry?: Registry
  /** The `site` label of the metrics: letters, digits, `_`, `.`, `-`. Default `default`. */
  site?: string
  /**
   * Whether `X-Forwarded-Proto` and `X-Forwarded-Host` (first value of each) shape the document URL —
   * set it only behind a proxy that sets them itself. Default false: `https` when the socket is TLS,
   * else `http`, then the `Host` header, then the request target.
   */
  trustProxy?: boolean
  /** The HTML of the 502 page sent for a blocked response; `{{requestId}}` is replaced. Default: a short page. */
  blockPage?: string
}

/** The settings each response's inspector gets, besides its URL and headers. */
export interface InspectorSettings {
  action: Action | undefined
  onLimit: 'block' | 'pass' | undefined
  limits: InspectorLimits | undefined
  defaultEncoding: string | undefined
}

/** EmbedOptions resolved: what the faces work from. */
export interface Embedding<Req> {
  /** The policy, once known (at once unless it is read from a file). */
  policy: Policy | undefined
  /** Settles with the policy (rejects when its file cannot be read or is invalid). */
  readonly loaded: Promise<Policy>
  /** `loaded` without its value: what the faces expose as `ready`. */
  readonly ready: Promise<void>
  readonly settings: InspectorSettings
  readonly site: string
  readonly metrics: TagwardenMetrics | undefined
  readonly trustProxy: boolean
  readonly blockPage: string | undefined
  readonly onViolation: ((violation: Violation, req: Req) => void) | undefined
}

const SITE_NAME = /^[A-Za-z0-9_.-]{1,64}$/
const POLICY_FILE = /\.(?:json|ya?ml)$/i

/** Only used to check the inspector settings before a policy file has been read. */
let placeholder: Policy | undefined

/** Check every option and start reading a policy file; throws InvalidOptionError or PolicyError. */
export function resolveEmbedOptions<Req>(options: EmbedOptions<Req>, face: string): Embedding<Req> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`${face}: options must be an object with at least a policy`)
  }
  const { policy: source, onViolation, registry, blockPage } = options
  if (onViolation !== undefined && typeof onViolation !== 'function') {
    throw new InvalidOptionError(`${face}: options.onViolation must be a function`)
  }
  if (blockPage !== undefined && typeof blockPage !== 'string') {
    throw new InvalidOptionError(`${face}: options.blockPage must be a string of HTML`)
  }
  const site = options.site ?? 'default'
  if (typeof site !== 'string' || !SITE_NAME.test(site)) {
    throw new InvalidOptionError(
      `${face}: options.site must be letters, digits, "_", "." or "-" (at most 64), got ${JSON.stringify(site)}`,
    )
  }
  if (registry !== undefined && typeof (registry as Partial<Registry>)?.getSingleMetric !== 'function') {
    throw new InvalidOptionError(`${face}: options.registry must be a prom-client Registry`)
  }
  const settings: InspectorSettings = {
    action: options.action,
    onLimit: options.onLimit,
    limits: options.limits,
    defaultEncoding: options.defaultEncoding,
  }
  const file = policyFile(source, face)
  const policy = file === undefined ? policyNow(source, face) : undefined
  checkSettings(settings, policy, face)
  const loaded = policy !== undefined ? Promise.resolve(policy) : policyFromFile(file!, face)
  const ready = loaded.then(() => undefined)
  // Whoever waits for the policy sees the failure; until someone does, it is not an unhandled rejection.
  ready.catch(() => {})
  const embedding: Embedding<Req> = {
    policy,
    loaded,
    ready,
    settings,
    site,
    metrics: registry === undefined ? undefined : metricsFor(registry, site),
    trustProxy: options.trustProxy === true,
    blockPage,
    onViolation,
  }
  loaded.then(
    (p) => (embedding.policy = p),
    () => {},
  )
  return embedding
}

/** Whether the gate can still refuse a response: then headers wait for the first byte it releases. */
export function gateCanRefuse(settings: InspectorSettings, policy: Policy): boolean {
  const action = settings.action ?? policy.action
  return action === 'block' || (settings.onLimit ?? 'pass') === 'block'
}

function policyFile(source: PolicySource, face: string): string | undefined {
  if (source instanceof URL) {
    if (source.protocol !== 'file:') {
      throw new InvalidOptionError(`${face}: options.policy: a URL must be a file: URL, got ${source.href}`)
    }
    return fileURLToPath(source)
  }
  return typeof source === 'string' && POLICY_FILE.test(source.trim()) ? source.trim() : undefined
}

/**
 * Parsed policies, so that inspectResponse — given its options per call — parses an inline policy
 * object or CSP string once, not per response. Strings are bounded: the oldest is dropped.
 */
const parsedObjects = new WeakMap<object, Policy>()
const parsedStrings = new Map<string, Policy>()
const readFiles = new Map<string, Promise<Policy>>()
const MAX_CACHED = 64

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
  cache.set(key, value)
  return value
}

function policyNow(source: PolicySource, face: string): Policy {
  if (source === null || source === undefined || (typeof source !== 'object' && typeof source !== 'string')) {
    throw new InvalidOptionError(
      `${face}: options.policy must be a policy, a policy object, a CSP string or a policy file name`,
    )
  }
  if (typeof source === 'string')
    return parsedStrings.get(source) ?? remember(parsedStrings, source, parsePolicy(source))
  if ('directiveSet' in source) return source as Policy
  let policy = parsedObjects.get(source)
  if (policy === undefined) parsedObjects.set(source, (policy = parsePolicy(source)))
  return policy
}

/**
 * A policy file, read once per process. A failure is not remembered (a face created later reads the
 * file again) and is said on the process's warning channel: a face whose `ready` nobody awaits still
 * fails closed, but not silently.
 */
function policyFromFile(file: string, face: string): Promise<Policy> {
  const key = resolve(file)
  const cached = readFiles.get(key)
  if (cached !== undefined) return cached
  const loading = loadPolicy(file)
  loading.catch((error: Error) => {
    readFiles.delete(key)
    process.emitWarning(
      `tagwarden: ${face}: ${error.message}; its responses fail until it is created again`,
      {
        type: 'TagwardenWarning',
        code: (error as TagwardenError).code,
      },
    )
  })
  return remember(readFiles, key, loading)
}

/** Rejects bad action, onLimit, limits and defaultEncoding now rather than on the first response. */
function checkSettings(settings: InspectorSettings, policy: Policy | undefined, face: string): void {
  placeholder ??= parsePolicy("default-src 'none'", '<placeholder>')
  try {
    resolveOptions({ policy: policy ?? placeholder, ...withoutUndefined(settings) })
    new CharsetDecoder({ defaultEncoding: settings.defaultEncoding })
  } catch (error) {
    if (error instanceof InvalidOptionError) throw new InvalidOptionError(`${face}: ${error.message}`)
    throw error
  }
}

/** The settings as InspectorOptions fields, leaving unset ones to the inspector's defaults. */
export function withoutUndefined(settings: InspectorSettings): Partial<InspectorSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined))
}
