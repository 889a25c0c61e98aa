import type { LimitName, TagwardenError } from '../errors.js'
import type { CheckedDirective } from '../policy/types.js'

/** One element (or attribute) on the page that the policy does not allow. */
export interface Violation {
  /** The effective CSP directive that does not allow it (CSP3 §6.8.1), e.g. `script-src-elem`. */
  directive: CheckedDirective
  /** The element's tag name. */
  element: string
  /** The attribute that carries it; null for an inline `<script>`/`<style>` body. */
  attribute: string | null
  /** The attribute value or inline text as written, cut to 256 characters (then ending in `…`). */
  value: string
  /** The URL as resolved against the document's base URL; null for inline code. */
  url: string | null
  /** 1-based line and column in the decoded document where the element's start tag ends (its `>`). */
  line: number
  column: number
}

export type VerdictStatus = 'clean' | 'violation' | 'skipped' | 'error'

export interface Verdict {
  /**
   * `clean`: inspected to the end, nothing found. `violation`: at least one violation. `skipped`: not
   * inspected, or not to the end (not HTML; a limit hit or an undecodable body with `onLimit: 'pass'`).
   * `error`: inspection failed and the output was ended with `error` (a limit with `onLimit: 'block'`,
   * an undecodable body, an aborted stream).
   */
  status: VerdictStatus
  /** The violations found, at most 100 (`violationCount` counts them all). */
  violations: Violation[]
  violationCount: number
  /** Body bytes received, as sent (possibly compressed). */
  bytes: number
  /** The character encoding the document was decoded with; null when it was not decoded. */
  encoding: string | null
  /** Why the response was not inspected to the end, when it was not. */
  reason?: 'not-html' | 'limit' | 'decoding' | 'aborted'
  /** The limit that was hit, if one was. */
  limit?: LimitName
  error?: TagwardenError
}

export const MAX_RECORDED_VIOLATIONS = 100
const MAX_VALUE_LENGTH = 256

export function truncate(value: string): string {
  return value.length > MAX_VALUE_LENGTH ? `${value.slice(0, MAX_VALUE_LENGTH - 1)}…` : value
}
