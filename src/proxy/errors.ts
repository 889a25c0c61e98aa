/**
 * The proxy's own failures, coded like the core's (src/errors.ts): callers and logs branch on `code`.
 */
import { TagwardenError } from '../errors.js'

/** A proxy configuration (file, flags or object) is malformed: names the file, the field and what was expected. */
export class ConfigError extends TagwardenError {
  override readonly code = 'TW_ERR_CONFIG'
  override name = 'ConfigError'
  readonly file: string | undefined
  readonly field: string | undefined
  constructor(
    message = 'invalid proxy configuration',
    details: { file?: string; field?: string } = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.file = details.file
    this.field = details.field
  }
}

/** How an upstream exchange failed; the `kind` label of `tagwarden_upstream_errors_total`. */
export const UPSTREAM_ERROR_KINDS = [
  'refused',
  'reset',
  'timeout',
  'dns',
  'tls',
  'protocol',
  'other',
] as const
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number]

/** The upstream could not be reached, failed, or was too slow: the client gets a 502/504 or a cut. */
export class UpstreamError extends TagwardenError {
  override readonly code = 'TW_ERR_UPSTREAM'
  override name = 'UpstreamError'
  readonly kind: UpstreamErrorKind
  constructor(message = 'the upstream failed', kind: UpstreamErrorKind = 'other', options?: ErrorOptions) {
    super(message, options)
    this.kind = kind
  }
}

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|EPROTO$)/

/** Classify a Node/http-proxy error into one of the fixed kinds. */
export function upstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error
  const code = String((error as { code?: unknown })?.code ?? '')
  const message = error instanceof Error ? error.message : String(error)
  let kind: UpstreamErrorKind = 'other'
  if (code === 'ECONNREFUSED') kind = 'refused'
  else if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE'].includes(code))
    kind = 'reset'
  else if (code === 'ETIMEDOUT') kind = 'timeout'
  else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') kind = 'dns'
  else if (TLS_CODES.test(code)) kind = 'tls'
  else if (code.startsWith('HPE_')) kind = 'protocol'
  return new UpstreamError(
    `upstream ${kind}: ${message}${code && !message.includes(code) ? ` (${code})` : ''}`,
    kind,
    {
      cause: error,
    },
  )
}
