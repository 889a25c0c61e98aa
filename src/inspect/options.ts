import { InvalidOptionError } from '../errors.js'
import type { Action, Policy } from '../policy/types.js'

/** Response headers in any of the shapes Node and fetch use; names are matched case-insensitively. */
export type HeadersInput =
  Headers | Record<string, string | string[] | number | undefined> | Iterable<readonly [string, string]>

/** Bounds on what one response may cost. Each has a default; hitting one is handled by `onLimit`. */
export interface InspectorLimits {
  /**
   * `block` only: body bytes (as received, possibly compressed) held back while the markup they
   * carry is not yet judged — a tag split across chunks, an inline script not yet closed.
   * Default 8 MiB.
   */
  maxHeldBytes?: number
  /** Bytes of body after undoing Content-Encoding. Default 256 MiB. */
  maxDecodedBytes?: number
  /** Decoded bytes per received byte, once more than 1 MiB is decoded (a decompression bomb). Default 100. */
  maxInflationRatio?: number
  /**
   * The largest single tag, comment or doctype, and the largest inline `<script>`/`<style>` text, in
   * UTF-16 code units. Default 4 MiB.
   */
  maxTokenBytes?: number
  /**
   * The most elements open at once (nested, or left unclosed): what the parser keeps grows with it.
   * Default 4096 — eight times Chromium's own tree depth (512, past which it attaches elements to
   * the deepest allowed parent, as tagwarden does).
   */
  maxNestingDepth?: number
}

export interface InspectorOptions {
  /** The policy to hold the page against (from `loadPolicy` or `parsePolicy`). Required. */
  policy: Policy
  /**
   * The document's URL as the client asked for it: `'self'` is its origin and relative URLs resolve
   * against it. Default `http://localhost/`.
   */
  url?: string | URL
  /** The response headers: Content-Type (type and charset) and Content-Encoding are read. Default none. */
  headers?: HeadersInput
  /** Overrides the policy's `action`. Default: the policy's. */
  action?: Action
  /**
   * What happens when a limit is hit or the body cannot be decoded: `block` ends the output with a
   * `TW_ERR_LIMIT` error; `pass` stops inspecting and lets the rest through. Default `block` when the
   * action is `block`, else `pass`.
   */
  onLimit?: 'block' | 'pass'
  /** The encoding when neither a BOM, the Content-Type charset nor a `<meta>` names one. Default `windows-1252`. */
  defaultEncoding?: string
  limits?: InspectorLimits
}

export interface ResolvedOptions {
  policy: Policy
  url: URL
  contentType: string | undefined
  contentEncoding: string | undefined
  action: Action
  onLimit: 'block' | 'pass'
  defaultEncoding: string
  limits: Required<InspectorLimits>
}

const MiB = 1024 * 1024

export const DEFAULT_LIMITS: Readonly<Required<InspectorLimits>> = Object.freeze({
  maxHeldBytes: 8 * MiB,
  maxDecodedBytes: 256 * MiB,
  maxInflationRatio: 100,
  maxTokenBytes: 4 * MiB,
  maxNestingDepth: 4096,
})

export function headerValue(headers: HeadersInput | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined
  const entries: Iterable<readonly [string, unknown]> =
    Symbol.iterator in headers ? (headers as Iterable<readonly [string, string]>) : Object.entries(headers)
  for (const [key, value] of entries) {
    if (key.toLowerCase() !== name) continue
    if (value === undefined) return undefined
    return Array.isArray(value) ? value.join(', ') : String(value)
  }
  return undefined
}

/** Merge defaults once and reject bad values with a coded error. */
export function resolveOptions(options: InspectorOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object')
    throw new InvalidOptionError('options must be an object')
  const { policy } = options
  if (policy === null || typeof policy !== 'object' || !('directiveSet' in policy)) {
    throw new InvalidOptionError('options.policy must be a policy from loadPolicy() or parsePolicy()')
  }
  let url: URL
  try {
    url = new URL(options.url ?? 'http://localhost/')
  } catch {
    throw new InvalidOptionError(
      `options.url must be an absolute URL, got ${JSON.stringify(String(options.url))}`,
    )
  }
  const action = options.action ?? policy.action
  if (action !== 'block' && action !== 'report') {
    throw new InvalidOptionError(`options.action must be "block" or "report", got ${JSON.stringify(action)}`)
  }
  const onLimit = options.onLimit ?? (action === 'block' ? 'block' : 'pass')
  if (onLimit !== 'block' && onLimit !== 'pass') {
    throw new InvalidOptionError(`options.onLimit must be "block" or "pass", got ${JSON.stringify(onLimit)}`)
  }
  const defaultEncoding = options.defaultEncoding ?? 'windows-1252'
  const limits = { ...DEFAULT_LIMITS, ...options.limits }
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !(value > 0)) {
      throw new InvalidOptionError(
        `options.limits.${name} must be a positive number, got ${JSON.stringify(value)}`,
      )
    }
  }
  return {
    policy,
    url,
    contentType: headerValue(options.headers, 'content-type'),
    contentEncoding: headerValue(options.headers, 'content-encoding'),
    action,
    onLimit,
    defaultEncoding,
    limits,
  }
}
