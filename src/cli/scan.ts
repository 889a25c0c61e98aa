import { UsageError } from '../errors.js'
import { inspectHtml } from '../inspect/inspect-html.js'
import { MAX_RECORDED_VIOLATIONS, type Violation } from '../inspect/verdict.js'
import { loadPolicy, parsePolicy } from '../policy/load.js'
import type { Policy } from '../policy/types.js'
import { absoluteUrl, parseFlags, positiveInteger } from './args.js'
import { expandInputs } from './files.js'
import { violationText } from './format.js'
import { STDIN, openInput, out, say, stdoutStatus } from './io.js'
import { Progress, count } from './progress.js'

export const SCAN_USAGE = `usage: tagwarden scan [--policy FILE | --csp STRING] [--url URL] [--content-type TYPE] [--json] [--max-violations N] [FILE|DIR...]

Inspects HTML files (or standard input, as - or when no FILE is given) against a policy; a DIR
stands for every .html/.htm file under it (a built static site), in sorted order.
  --policy FILE         the policy, JSON or YAML
  --csp STRING          the policy as a CSP string, e.g. "default-src 'self'"
  --url URL             the document URL: 'self' and relative URLs (default http://localhost/)
  --content-type TYPE   plays the Content-Type header, charset included (e.g. "text/html; charset=shift_jis")
  --json                one JSON object per violation per line
  --max-violations N    list at most N violations per file (default ${MAX_RECORDED_VIOLATIONS}; all are counted)
Prints one violation per line on stdout, a summary on stderr.
Exit status: 0 no violations, 1 violations, 2 usage, policy or I/O error (or a file not fully inspected).`

interface Settings {
  policy: Policy
  url: string
  headers: Record<string, string>
  json: boolean
  maxViolations: number
}

interface Tally {
  files: number
  violations: number
  filesWithViolations: number
  notInspected: number
}

/** `tagwarden scan`: returns the exit status. */
export async function scan(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('scan', {
    args,
    allowPositionals: true,
    options: {
      policy: { type: 'string' },
      csp: { type: 'string' },
      url: { type: 'string', default: 'http://localhost/' },
      'content-type': { type: 'string' },
      json: { type: 'boolean', default: false },
      'max-violations': { type: 'string', default: String(MAX_RECORDED_VIOLATIONS) },
    },
  })
  if ((values.policy === undefined) === (values.csp === undefined)) {
    throw new UsageError('scan needs exactly one of --policy FILE or --csp STRING')
  }
  const url = absoluteUrl('--url', values.url)
  const maxViolations = positiveInteger('--max-violations', values['max-violations'])
  const policy =
    values.policy !== undefined ? await loadPolicy(values.policy) : parsePolicy(values.csp!, '--csp')
  sayPolicyNotes(policy)
  const headers: Record<string, string> =
    values['content-type'] === undefined ? {} : { 'content-type': values['content-type'] }
  const settings: Settings = { policy, url, headers, json: values.json, maxViolations }

  const files = await expandInputs(positionals.length > 0 ? positionals : [STDIN])
  const tally: Tally = { files: 0, violations: 0, filesWithViolations: 0, notInspected: 0 }
  const progress = new Progress(files.length)
  let status = 0
  for (const file of files) {
    // The reader went away (`| head -1`): it has what it wanted; stop, with the status reached so far.
    if (stdoutStatus() !== 'open') return status
    status = Math.max(status, await scanFile(file, settings, tally))
    progress.update(tally.files, tally.violations)
  }
  if (stdoutStatus() !== 'open') return status
  say(summary(tally))
  return status
}

/** Scans one file, printing its violations as they are found; returns its exit status. */
async function scanFile(file: string, settings: Settings, tally: Tally): Promise<number> {
  const name = file === STDIN ? '<stdin>' : file
  let listed = 0
  const verdict = await inspectHtml(await openInput(file), {
    policy: settings.policy,
    url: settings.url,
    headers: settings.headers,
    onViolation: (v) => {
      if (listed >= settings.maxViolations) return
      listed++
      out(`${settings.json ? jsonLine(name, v) : violationText(name, v)}\n`)
    },
  })
  tally.files++
  tally.violations += verdict.violationCount
  if (verdict.violationCount > 0) tally.filesWithViolations++
  if (verdict.violationCount > listed) {
    say(
      `${name}: ${count(verdict.violationCount - listed, 'more violation')} not listed (see --max-violations)`,
    )
  }
  if (verdict.status === 'skipped' || verdict.status === 'error') {
    tally.notInspected++
    say(`${name}: not fully inspected: ${verdict.error?.message ?? verdict.reason ?? verdict.status}`)
    return 2
  }
  return verdict.violationCount > 0 ? 1 : 0
}

/** `3 files scanned, 5 violations in 2 files`: the one line a CI log shows for a clean run too. */
function summary(tally: Tally): string {
  const found =
    tally.violations === 0
      ? 'no violations'
      : `${count(tally.violations, 'violation')} in ${count(tally.filesWithViolations, 'file')}`
  const skipped = tally.notInspected === 0 ? '' : `, ${tally.notInspected} not fully inspected`
  return `${count(tally.files, 'file')} scanned, ${found}${skipped}`
}

/** What the policy holds that tagwarden will not enforce is said, never silently dropped. */
function sayPolicyNotes(policy: Policy): void {
  if (policy.unchecked.length > 0) {
    say(`${policy.origin}: not checked (browser-only): ${policy.unchecked.join(', ')}`)
  }
  for (const warning of policy.warnings ?? []) say(warning)
}

function jsonLine(file: string, v: Violation): string {
  const { directive, element, attribute, value, url, line, column } = v
  return JSON.stringify({ file, directive, element, attribute, value, url, line, column })
}
