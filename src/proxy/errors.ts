/** Classifying upstream failures into the fixed kinds of `tagwarden_upstream_errors_total`. */
import { UpstreamError, type UpstreamErrorKind } from '../errors.js'

export { UPSTREAM_ERROR_KINDS, UpstreamError, type UpstreamErrorKind } from '../errors.js'

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
