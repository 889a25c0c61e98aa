/**
 * Reports from visitors' browsers (issue 14): the two formats browsers send to a CSP endpoint —
 * `application/csp-report` (`report-uri`, CSP2 §7.1; Firefox, older Chromium) and
 * `application/reports+json` (`report-to`, the Reporting API: a list of reports, of which
 * `type: "csp-violation"` is ours). Each becomes one fixed-shape record; anything malformed throws a
 * ReportError, which the endpoint answers with 400 and counts.
 */
import { CHECKED_DIRECTIVES, type CheckedDirective } from '../policy/types.js'

export class ReportError extends Error {}

export interface BrowserReport {
  /** A directive tagwarden checks, or `other` (a metrics label: never the browser's free text). */
  directive: CheckedDirective | 'other'
  /** As the browser said them, cut to 200 characters (logged, never a label). */
  documentUrl: string
  blockedUrl: string
  disposition: 'enforce' | 'report' | 'unknown'
}

const checked: ReadonlySet<string> = new Set(CHECKED_DIRECTIVES)

/** Parse a report POST's body by its Content-Type; throws ReportError when it is not a report. */
export function parseBrowserReports(contentType: string | undefined, body: Buffer): BrowserReport[] {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (
    type !== 'application/csp-report' &&
    type !== 'application/reports+json' &&
    type !== 'application/json'
  ) {
    throw new ReportError(
      `expected application/csp-report or application/reports+json, got ${JSON.stringify(type)}`,
    )
  }
  let value: unknown
  try {
    value = JSON.parse(body.toString('utf8'))
  } catch {
    throw new ReportError('expected a JSON body')
  }
  if (Array.isArray(value)) return reportingApi(value)
  if (isObject(value) && isObject(value['csp-report'])) return [cspReport(value['csp-report'])]
  throw new ReportError('expected {"csp-report": {…}} or a list of reports')
}

/** `report-uri`: `{"csp-report": {"document-uri", "effective-directive", "violated-directive", "blocked-uri", "disposition"}}`. */
function cspReport(report: Record<string, unknown>): BrowserReport {
  const directive = text(report['effective-directive']) || firstWord(text(report['violated-directive']))
  return record(directive, text(report['document-uri']), text(report['blocked-uri']), report.disposition)
}

/** `report-to`: `[{"type": "csp-violation", "body": {"documentURL", "effectiveDirective", "blockedURL", "disposition"}}]`. */
function reportingApi(list: unknown[]): BrowserReport[] {
  if (list.length > 100) throw new ReportError(`expected at most 100 reports, got ${list.length}`)
  const reports: BrowserReport[] = []
  for (const item of list) {
    if (!isObject(item) || typeof item.type !== 'string')
      throw new ReportError('expected reports with a "type"')
    // Other report types (deprecation, intervention, …) may share the endpoint: not ours, not an error.
    if (item.type !== 'csp-violation') continue
    const body = item.body
    if (!isObject(body)) throw new ReportError('expected a csp-violation report with a "body" object')
    reports.push(
      record(text(body.effectiveDirective), text(body.documentURL), text(body.blockedURL), body.disposition),
    )
  }
  return reports
}

function record(
  directive: string,
  documentUrl: string,
  blockedUrl: string,
  disposition: unknown,
): BrowserReport {
  if (directive === '') throw new ReportError('expected the violated directive')
  const name = directive.toLowerCase()
  return {
    directive: checked.has(name) ? (name as CheckedDirective) : 'other',
    documentUrl: clip(documentUrl),
    blockedUrl: clip(blockedUrl),
    disposition: disposition === 'enforce' || disposition === 'report' ? disposition : 'unknown',
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function firstWord(value: string): string {
  return value.trim().split(/\s+/)[0] ?? ''
}

function clip(value: string): string {
  return value.length > 200 ? `${value.slice(0, 197)}...` : value
}
