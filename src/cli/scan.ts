import { parseArgs } from 'node:util'
import { UsageError } from '../errors.js'
import { inspectHtml } from '../inspect/inspect-html.js'
import type { Violation } from '../inspect/verdict.js'
import { loadPolicy, parsePolicy } from '../policy/load.js'
import type { Policy } from '../policy/types.js'
import { STDIN, openInput, out } from './io.js'

export const SCAN_USAGE = `usage: tagwarden scan [--policy FILE | --csp STRING] [--url URL] [--content-type TYPE] [--json] [FILE...]

Inspects HTML files (or standard input, as - or when no FILE is given) against a policy.
  --policy FILE        the policy, JSON or YAML
  --csp STRING         the policy as a CSP string, e.g. "default-src 'self'"
  --url URL            the document URL: 'self' and relative URLs (default http://localhost/)
  --content-type TYPE  plays the Content-Type header, charset included (e.g. "text/html; charset=shift_jis")
  --json               one JSON object per violation per line
Exit status: 0 no violations, 1 violations, 2 usage, policy or I/O error (or a file not fully inspected).`

/** `tagwarden scan`: returns the exit status. */
export async function scan(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      csp: { type: 'string' },
      url: { type: 'string', default: 'http://localhost/' },
      'content-type': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  })
  if ((values.policy === undefined) === (values.csp === undefined)) {
    throw new UsageError('scan needs exactly one of --policy FILE or --csp STRING')
  }
  const policy =
    values.policy !== undefined ? await loadPolicy(values.policy) : parsePolicy(values.csp!, '--csp')
  sayPolicyNotes(policy)
  const files = positionals.length > 0 ? positionals : [STDIN]
  let status = 0
  for (const file of files) {
    const verdict = await inspectHtml(await openInput(file), {
      policy,
      url: values.url,
      headers: values['content-type'] === undefined ? {} : { 'content-type': values['content-type'] },
    })
    const name = file === STDIN ? '<stdin>' : file
    for (const v of verdict.violations) out(values.json ? `${jsonLine(name, v)}\n` : `${textLine(name, v)}\n`)
    if (verdict.violationCount > verdict.violations.length) {
      process.stderr.write(
        `${name}: ${verdict.violationCount - verdict.violations.length} more violations not listed\n`,
      )
    }
    if (verdict.violationCount > 0) status = Math.max(status, 1)
    if (verdict.status === 'skipped' || verdict.status === 'error') {
      const why = verdict.error?.message ?? verdict.reason ?? verdict.status
      process.stderr.write(`tagwarden: ${name}: not fully inspected: ${why}\n`)
      status = 2
    }
  }
  return status
}

/** What the policy holds that tagwarden will not enforce is said, never silently dropped. */
function sayPolicyNotes(policy: Policy): void {
  if (policy.unchecked.length > 0) {
    process.stderr.write(
      `tagwarden: ${policy.origin}: not checked (browser-only): ${policy.unchecked.join(', ')}\n`,
    )
  }
  for (const warning of policy.warnings ?? []) process.stderr.write(`tagwarden: ${warning}\n`)
}

function jsonLine(file: string, v: Violation): string {
  const { directive, element, attribute, value, url, line, column } = v
  return JSON.stringify({ file, directive, element, attribute, value, url, line, column })
}

function textLine(file: string, v: Violation): string {
  const what = v.attribute === null ? `<${v.element}> inline` : `<${v.element} ${v.attribute}="${v.value}">`
  return `${file}:${v.line}:${v.column}: ${v.directive}: ${what}${v.url !== null && v.url !== v.value ? ` (${v.url})` : ''}`
}
