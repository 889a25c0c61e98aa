/**
 * The CSP directive vocabulary: which names exist, which take source lists, which tagwarden
 * consults, and how they fall back to one another. Section numbers are those of the CSP3 Editor's
 * Draft (https://w3c.github.io/webappsec-csp/); the `#anchor` after each is the stable reference.
 */
import type { CheckedDirective, InlineType } from './types.js'

/**
 * Directives whose value is a source list (CSP3 §2.3.1 #framework-directive-source-list).
 * `navigate-to` was dropped from the CSP3 draft in 2022; tagwarden keeps it (DESIGN.md) with its
 * last specified meaning: a source list for navigation targets, with no `default-src` fallback.
 */
const SOURCE_LIST_DIRECTIVES = [
  'default-src',
  'script-src',
  'script-src-elem',
  'script-src-attr',
  'style-src',
  'style-src-elem',
  'style-src-attr',
  'img-src',
  'frame-src',
  'child-src',
  'object-src',
  'base-uri',
  'form-action',
  'navigate-to',
  'connect-src',
  'font-src',
  'media-src',
  'manifest-src',
  'worker-src',
  'prefetch-src',
  'fenced-frame-src',
  'frame-ancestors',
] as const

/** Known directives whose value is not a source list; tagwarden never checks them. */
const OTHER_DIRECTIVES = [
  'sandbox',
  'report-uri',
  'report-to',
  'upgrade-insecure-requests',
  'block-all-mixed-content',
  'trusted-types',
  'require-trusted-types-for',
  'webrtc',
  'plugin-types',
  'require-sri-for',
] as const

const sourceListNames: ReadonlySet<string> = new Set(SOURCE_LIST_DIRECTIVES)
const knownNames: ReadonlySet<string> = new Set([...SOURCE_LIST_DIRECTIVES, ...OTHER_DIRECTIVES])

/**
 * Get the fetch directive fallback list, CSP3 §6.8.3 (#directive-fallback-list), for the
 * directives tagwarden checks. The navigation and document directives (`base-uri`, `form-action`,
 * `navigate-to`) have no fallback: when absent, everything is allowed (§6.3.1, §6.4.1).
 */
const FALLBACKS: Readonly<Record<CheckedDirective, readonly string[]>> = {
  'script-src-elem': ['script-src-elem', 'script-src', 'default-src'],
  'script-src-attr': ['script-src-attr', 'script-src', 'default-src'],
  'style-src-elem': ['style-src-elem', 'style-src', 'default-src'],
  'style-src-attr': ['style-src-attr', 'style-src', 'default-src'],
  'img-src': ['img-src', 'default-src'],
  'frame-src': ['frame-src', 'child-src', 'default-src'],
  'object-src': ['object-src', 'default-src'],
  'base-uri': ['base-uri'],
  'form-action': ['form-action'],
  'navigate-to': ['navigate-to'],
}

/** Every directive some check may consult: the checked ones and everything they fall back to. */
const consulted: ReadonlySet<string> = new Set(Object.values(FALLBACKS).flat())

/** Every directive name tagwarden accepts, source-list directives first. */
export function knownDirectives(): readonly string[] {
  return [...knownNames]
}

export function isKnownDirective(name: string): boolean {
  return knownNames.has(name)
}

export function isSourceListDirective(name: string): boolean {
  return sourceListNames.has(name)
}

/** True for a directive whose value can change a verdict (a checked directive or a fallback of one). */
export function isConsultedDirective(name: string): boolean {
  return consulted.has(name)
}

/** The fallback list of a checked directive, most specific first (CSP3 §6.8.3). */
export function fallbackList(directive: CheckedDirective): readonly string[] {
  return FALLBACKS[directive]
}

/**
 * Get the effective directive for inline checks, CSP3 §6.8.2 (#effective-directive-for-inline-check).
 * A `javascript:` URL navigation is type "navigation", so it is governed by `script-src-elem`, not
 * `script-src-attr` (§4.2.4 #should-block-navigation-request step 3; §6.1.11 script-src-elem notes).
 */
export function effectiveDirectiveForInline(type: InlineType): CheckedDirective {
  switch (type) {
    case 'script':
    case 'navigation':
      return 'script-src-elem'
    case 'script attribute':
      return 'script-src-attr'
    case 'style':
      return 'style-src-elem'
    case 'style attribute':
      return 'style-src-attr'
  }
}

/** The known directive closest to a misspelt name, for "did you mean" hints; undefined if none is close. */
export function suggestDirective(name: string): string | undefined {
  const lower = name.toLowerCase()
  if (knownNames.has(lower)) return lower
  let best: string | undefined
  let bestDistance = 3 // more than two edits away is not a typo
  for (const known of knownNames) {
    const d = editDistance(lower, known)
    if (d < bestDistance) [best, bestDistance] = [known, d]
  }
  return best
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost)
    }
    prev = row
  }
  return prev[b.length]!
}
