/**
 * Every failure tagwarden reports is a TagwardenError with a stable `code` (TW_ERR_*), so callers
 * branch on codes, never on messages. HTML parse errors are not failures: the page is still a page.
 */
export class TagwardenError extends Error {
  readonly code: string = 'TW_ERR_INTERNAL'
  override name = 'TagwardenError'
  constructor(message = 'tagwarden internal error', options?: ErrorOptions) {
    super(message, options)
  }
}

/** A violation was found while the action is `block`: the gated output ends here. */
export class BlockedError extends TagwardenError {
  override readonly code = 'TW_ERR_BLOCKED'
  override name = 'BlockedError'
  constructor(message = 'response blocked: it holds an element the policy does not allow') {
    super(message)
  }
}

/** The names of the configurable limits; see InspectorLimits. */
export type LimitName =
  'maxHeldBytes' | 'maxDecodedBytes' | 'maxInflationRatio' | 'maxTokenBytes' | 'maxNestingDepth'

/** A configured limit was hit and `onLimit` is `block`. */
export class LimitError extends TagwardenError {
  override readonly code = 'TW_ERR_LIMIT'
  override name = 'LimitError'
  readonly limit: LimitName | undefined
  constructor(message = 'an inspection limit was exceeded', limit?: LimitName) {
    super(message)
    this.limit = limit
  }
}

/** A policy (file, object or CSP string) is malformed: names the file, the field and what was expected. */
export class PolicyError extends TagwardenError {
  override readonly code: string = 'TW_ERR_POLICY'
  override name = 'PolicyError'
  readonly file: string | undefined
  readonly field: string | undefined
  constructor(
    message = 'invalid policy',
    details: { file?: string; field?: string } = {},
    options?: ErrorOptions,
  ) {
    super(message, options)
    this.file = details.file
    this.field = details.field
  }
}

/** A policy asks for something only a browser can enforce at run time ('strict-dynamic', nonces). */
export class UnsupportedPolicyError extends PolicyError {
  override readonly code = 'TW_ERR_POLICY_UNSUPPORTED'
  override name = 'UnsupportedPolicyError'
  constructor(
    message = 'the policy uses a CSP feature tagwarden cannot enforce',
    details: { file?: string; field?: string } = {},
  ) {
    super(message, details)
  }
}

/** An option passed to a tagwarden function is invalid. */
export class InvalidOptionError extends TagwardenError {
  override readonly code = 'TW_ERR_INVALID_OPTION'
  override name = 'InvalidOptionError'
  constructor(message = 'invalid option') {
    super(message)
  }
}

/** The response's Content-Encoding names a coding tagwarden cannot decode. */
export class UnsupportedEncodingError extends TagwardenError {
  override readonly code = 'TW_ERR_UNSUPPORTED_ENCODING'
  override name = 'UnsupportedEncodingError'
  constructor(message = 'unsupported content-encoding') {
    super(message)
  }
}

/** The compressed body is corrupt or truncated. */
export class ContentDecodingError extends TagwardenError {
  override readonly code = 'TW_ERR_CONTENT_DECODING'
  override name = 'ContentDecodingError'
  constructor(message = 'the response body could not be decompressed', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The inspected stream was destroyed or its input ended early. */
export class AbortedError extends TagwardenError {
  override readonly code = 'TW_ERR_ABORTED'
  override name = 'AbortedError'
  constructor(message = 'the inspected stream was aborted') {
    super(message)
  }
}

/** A file could not be read or written. */
export class IoError extends TagwardenError {
  override readonly code = 'TW_ERR_IO'
  override name = 'IoError'
  constructor(message = 'i/o error', options?: ErrorOptions) {
    super(message, options)
  }
}

/** The command line is malformed. */
export class UsageError extends TagwardenError {
  override readonly code = 'TW_ERR_USAGE'
  override name = 'UsageError'
  constructor(message = 'invalid usage') {
    super(message)
  }
}

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

/** Why a probe failed; the `reason` label of `tagwarden_probe_failed`. */
export const PROBE_FAILURE_REASONS = [
  'dns',
  'connect',
  'tls',
  'timeout',
  'reset',
  'protocol',
  'http_status',
  'redirect_loop',
  'too_many_redirects',
  'off_site_redirect',
  'body_too_large',
  'not_html',
  'not_inspected',
  'pin_fetch',
  'other',
] as const
export type ProbeFailureReason = (typeof PROBE_FAILURE_REASONS)[number]

/** A probe could not fetch its target, or not inspect it to the end; `reason` says which step failed. */
export class ProbeError extends TagwardenError {
  override readonly code = 'TW_ERR_PROBE'
  override name = 'ProbeError'
  readonly reason: ProbeFailureReason
  constructor(message = 'the probe failed', reason: ProbeFailureReason = 'other', options?: ErrorOptions) {
    super(message, options)
    this.reason = reason
  }
}

/** A probe target the configuration does not allow: the exporter answers 400 and fetches nothing. */
export class ProbeTargetError extends TagwardenError {
  override readonly code = 'TW_ERR_PROBE_TARGET'
  override name = 'ProbeTargetError'
  constructor(message = 'the probe target is not allowed by the configuration') {
    super(message)
  }
}
