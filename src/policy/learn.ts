/**
 * `tagwarden learn`: a policy that allows what was seen and, as far as CSP can say it, nothing else.
 *
 * - Every checked directive is present (so no fallback ever applies), plus `default-src 'none'`;
 *   a directive with nothing seen is `'none'`.
 * - A URL becomes an exact host-source `scheme://host[:port]/path`. What CSP cannot narrow further:
 *   the query and fragment are never compared (CSP3 §6.7.2.7 compares scheme, host, port, path
 *   only), a path ending in "/" matches everything below it (§6.7.2.11 step 3), and an `http:`
 *   or `ws:` expression also matches its secure upgrade (§6.7.2.8).
 * - A URL without a host (`data:`, `blob:`, `about:`, `javascript:`, `file:`) can only be allowed by
 *   its scheme: `data:` is learned as the scheme-source `data:`, which allows any data: URL in that
 *   directive. It is reported through `onWarning`.
 * - A host CSP cannot write (an IPv4 address other than 127.0.0.1, which §6.7.2.9 step 3 never
 *   matches; IPv6; a `_`; a trailing dot) is learned as `*` with the same scheme, port and path,
 *   and reported.
 * - Inline code becomes `'sha256-…'` of its UTF-8 (§6.7.3.3), in the directive its type implies
 *   (§6.8.2); attribute and `javascript:` navigation hashes only count with `'unsafe-hashes'`, so
 *   that keyword is added to the directives that hold them.
 *
 * Output is deterministic: directives and expressions sorted, duplicates removed.
 */
import { PolicyLearner } from './learner.js'
import type { Reference } from './types.js'

export interface LearnOptions {
  /** Called once per distinct widening (a reference CSP cannot express exactly), in sorted order. */
  onWarning?: (message: string) => void
}

/** A plain, JSON-serialisable policy object (the shape `parsePolicy` takes). */
export interface LearnedPolicy {
  action: 'block'
  directives: Record<string, string[]>
  /** Added by `tagwarden learn --pin`: the SRI hashes of the external scripts and stylesheets. */
  pins?: Record<string, string>
}

export function learnPolicy(refs: Iterable<Reference>, options: LearnOptions = {}): LearnedPolicy {
  const learner = new PolicyLearner()
  for (const ref of refs) learner.add(ref)
  for (const warning of [...learner.widenings].sort()) options.onWarning?.(warning)
  return learner.policy()
}
