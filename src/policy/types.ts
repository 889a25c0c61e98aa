/**
 * The policy model shared by the loader, the matcher, `learn` and the inspector.
 * Vocabulary and semantics are CSP Level 3's (https://w3c.github.io/webappsec-csp/).
 */
import type { IntegrityHash } from './sri.js'

export type Action = 'block' | 'report'

/**
 * The effective directives tagwarden checks: what a violation's `directive` names (CSP3 §6.8.1
 * "effective directive"), and a fixed set usable as a metrics label.
 */
export const CHECKED_DIRECTIVES = [
  'script-src-elem',
  'script-src-attr',
  'style-src-elem',
  'style-src-attr',
  'img-src',
  'frame-src',
  'object-src',
  'base-uri',
  'form-action',
  'navigate-to',
] as const
export type CheckedDirective = (typeof CHECKED_DIRECTIVES)[number]

/** How an inline check is classified (CSP3 §6.7.3.3 "Does element match source list for type and source"). */
export type InlineType = 'script' | 'script attribute' | 'style' | 'style attribute' | 'navigation'

/** One thing on the page that a directive governs: a URL it loads or targets, or inline code it runs. */
export type Reference =
  | {
      kind: 'url'
      directive: CheckedDirective
      /** The URL resolved against the document's base URL (WHATWG URL parsing). */
      url: URL
      /** The element's `integrity` metadata (SRI), for script requests: hash sources can allow it. */
      integrity?: string
    }
  | {
      kind: 'inline'
      directive: CheckedDirective
      type: InlineType
      /** The code as CSP hashes it: element text, attribute value, or the whole `javascript:` URL. */
      source: string
    }

/** One directive's compiled source list. */
export interface SourceList {
  /** The source expressions as written, for messages and for `learn` round trips. */
  readonly expressions: readonly string[]
}

/** The directives of one policy (or of one route), compiled. */
export interface DirectiveSet {
  /** Directive name (as written in the policy, lower-cased) -> compiled source list. */
  readonly directives: ReadonlyMap<string, SourceList>
}

export interface Route {
  /** The path glob as written (`/embed/*`). */
  readonly path: string
  /** The route's directives merged over the policy's own (a route's directive replaces the same-named one). */
  readonly directiveSet: DirectiveSet
}

/** A pinned third-party resource (the policy's `pins`): the SRI hashes its bytes must match. */
export interface Pin {
  /** The URL as pinned, without its fragment. */
  readonly url: string
  /** The hashes as written (`sha384-…`, several separated by spaces). */
  readonly expression: string
  readonly hashes: readonly IntegrityHash[]
}

export interface Policy {
  readonly action: Action
  readonly directiveSet: DirectiveSet
  readonly routes: readonly Route[]
  /** Where the policy came from (a file path, `<csp>`, `<object>`), for messages. */
  readonly origin: string
  /** Directives present in the policy that tagwarden does not check (e.g. `connect-src`): said, never silently dropped. */
  readonly unchecked: readonly string[]
  /**
   * Things accepted but worth saying, one line each: keywords with no effect on markup
   * (`'unsafe-eval'`, `'report-sample'`, …), duplicate directives ignored in a CSP string.
   */
  readonly warnings?: readonly string[]
  /** Pinned third-party content by URL (without fragment): what `tagwarden probe` verifies. Default none. */
  readonly pins?: ReadonlyMap<string, Pin>
}
