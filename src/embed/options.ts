/**
 * The options every embedding face shares (wrapHandler, middleware, fastifyTagwarden, attachInspector,
 * inspectResponse), checked and resolved once, when the face is created: the policy, the inspector's
 * settings, the metrics and the callbacks.
 */
import type { Registry } from 'prom-client'
import { InvalidOptionError } from '../errors.js'
import { CharsetDecoder } from '../html/charset.js'
import { resolveOptions, type InspectorLimits } from '../inspect/options.js'
import type { Violation } from '../inspect/verdict.js'
import type { TagwardenMetrics } from '../metrics/metrics.js'
import { readPolicySource, type PolicySource } from '../policy/source.js'
import type { Action, Policy } from '../policy/types.js'
import { isLogger, type EmbedLogger } from './log.js'
import { metricsFor } from './metrics.js'

/** Options shared by every embedding face. `Req` is the request the face hands to `onViolation`. */
export interface EmbedOptions<Req = unknown> {
  /**
   * The policy the HTML responses are held against. Required. A string or a `file:` URL is always a
   * policy file's path (JSON, YAML, or a file holding a CSP string), as `{ file }` is; a CSP string
   * goes in `{ csp: "default-src 'self'" }`; or a policy object, or a `Policy`. Read and checked when
   * the face is created — a file synchronously, once per process — so a missing or invalid policy
   * throws there (`IoError`, `PolicyError`), never on a request.
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
   * Where each violation and each block is logged, at `warn`, with the lines of `tagwarden proxy`
   * (`msg` `violation`, or the block's message; `reqId`, `site`, `method`, `path`, …). Any pino-compatible
   * logger: pino, Fastify's, or an object with `info`/`warn`/`error`/`debug` taking `(fields, msg)`.
   * What it throws is reported with `process.emitWarning` and never affects the response. Default: the
   * request's own logger — Fastify's `request.log`, or the `req.log` pino-http attaches — else none.
   */
  logger?: EmbedLogger
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
  /** The policy, read when the face was created. */
  readonly policy: Policy
  /** Resolved: kept so that code written to await a face's `ready` goes on working. */
  readonly ready: Promise<void>
  readonly settings: InspectorSettings
  readonly site: string
  readonly metrics: TagwardenMetrics | undefined
  readonly trustProxy: boolean
  readonly blockPage: string | undefined
  readonly onViolation: ((violation: Violation, req: Req) => void) | undefined
  /** The `logger` option; a request's own logger is used when it is undefined. */
  readonly logger: EmbedLogger | undefined
}

const SITE_NAME = /^[A-Za-z0-9_.-]{1,64}$/

/** Check every option and start reading a policy file; throws InvalidOptionError or PolicyError. */
export function resolveEmbedOptions<Req>(options: EmbedOptions<Req>, face: string): Embedding<Req> {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionError(`${face}: options must be an object with at least a policy`)
  }
  const { policy: source, onViolation, logger, registry, blockPage } = options
  if (onViolation !== undefined && typeof onViolation !== 'function') {
    throw new InvalidOptionError(`${face}: options.onViolation must be a function`)
  }
  if (logger !== undefined && !isLogger(logger)) {
    throw new InvalidOptionError(`${face}: options.logger must have info, warn, error and debug methods`)
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
  if (source === undefined) throw new InvalidOptionError(`${face}: options.policy is required`)
  const policy = readPolicySource(source, `${face}: options.policy`)
  checkSettings(settings, policy, face)
  return {
    policy,
    ready: Promise.resolve(),
    settings,
    site,
    metrics: registry === undefined ? undefined : metricsFor(registry, site),
    trustProxy: options.trustProxy === true,
    blockPage,
    onViolation,
    logger,
  }
}

/** Whether the gate can still refuse a response: then headers wait for the first byte it releases. */
export function gateCanRefuse(settings: InspectorSettings, policy: Policy): boolean {
  const action = settings.action ?? policy.action
  return action === 'block' || (settings.onLimit ?? 'pass') === 'block'
}

/** Rejects bad action, onLimit, limits and defaultEncoding now rather than on the first response. */
function checkSettings(settings: InspectorSettings, policy: Policy, face: string): void {
  try {
    resolveOptions({ policy, ...withoutUndefined(settings) })
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
