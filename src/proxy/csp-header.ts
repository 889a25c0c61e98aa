/**
 * The CSP header tagwarden adds for a site (`csp: { header: report-only | enforce }`, issue 14): the
 * policy's meaning, spelt out for the browser, so that visitors' browsers report what reached them —
 * tampering after the proxy, the last hop, is only visible there.
 *
 * Only the directives tagwarden checks are written, each with the source list that governs it in the
 * policy (its fallback resolved here, CSP3 §6.8.3). `default-src` itself is never written: in a
 * browser it would also govern `connect-src`, `font-src`, `worker-src` …, which tagwarden does not
 * check, and an enforced header would break what the policy never meant to judge. A directive that
 * nothing governs allows everything, and is left out. `navigate-to` is left out too: browsers never
 * shipped it.
 */
import { governingDirective } from '../policy/match.js'
import { CHECKED_DIRECTIVES, type DirectiveSet } from '../policy/types.js'

const HEADER_DIRECTIVES = CHECKED_DIRECTIVES.filter((d) => d !== 'navigate-to')

/** The `Reporting-Endpoints` group name tagwarden's `report-to` names. */
export const REPORT_GROUP = 'tagwarden'

/** The header's value for one response: `directives` are those of its path (the policy's routes applied). */
export function cspHeaderValue(directives: DirectiveSet, reportUrl: string, reportTo = true): string {
  const parts: string[] = []
  for (const directive of HEADER_DIRECTIVES) {
    const governing = governingDirective(directives, directive)
    if (governing === undefined) continue
    const expressions = directives.directives.get(governing)!.expressions
    parts.push(`${directive} ${expressions.length === 0 ? "'none'" : expressions.join(' ')}`)
  }
  // report-uri for the browsers without the Reporting API; where report-to is supported it wins.
  parts.push(`report-uri ${reportUrl}`)
  if (reportTo) parts.push(`report-to ${REPORT_GROUP}`)
  return parts.join('; ')
}

/** `Reporting-Endpoints: tagwarden="…"` (Reporting API, structured-field dictionary). */
export function reportingEndpointsValue(reportUrl: string): string {
  return `${REPORT_GROUP}="${reportUrl}"`
}
