import { parseArgs } from 'node:util'
import { UsageError } from '../errors.js'
import { inspectHtml } from '../inspect/inspect-html.js'
import { learnPolicy } from '../policy/learn.js'
import { parsePolicy } from '../policy/load.js'
import type { Reference } from '../policy/types.js'
import { STDIN, openInput, out } from './io.js'

export const LEARN_USAGE = `usage: tagwarden learn [--url URL] [--content-type TYPE] FILE...

Prints (on stdout) a JSON policy that allows exactly what the files contain and nothing else.
  --url URL            the document URL: relative URLs resolve against it (default http://localhost/)
  --content-type TYPE  plays the Content-Type header, charset included
Widenings CSP cannot avoid (a data: URL allowed by scheme) are said on stderr.`

/** Allows nothing: learning judges nothing, it only collects what the pages reference. */
const NOTHING = parsePolicy({ action: 'report', directives: { 'default-src': ["'none'"] } }, '<learn>')

/** `tagwarden learn`: returns the exit status. */
export async function learn(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://localhost/' },
      'content-type': { type: 'string' },
    },
  })
  if (positionals.length === 0) throw new UsageError('learn needs at least one FILE (- for standard input)')
  const refs: Reference[] = []
  let status = 0
  for (const file of positionals) {
    const verdict = await inspectHtml(await openInput(file), {
      policy: NOTHING,
      url: values.url,
      headers: values['content-type'] === undefined ? {} : { 'content-type': values['content-type'] },
      onFinding: (finding) => refs.push(finding.ref),
    })
    if (verdict.status === 'skipped' || verdict.status === 'error') {
      const name = file === STDIN ? '<stdin>' : file
      process.stderr.write(
        `tagwarden: ${name}: not fully inspected: ${verdict.error?.message ?? verdict.reason}\n`,
      )
      status = 2
    }
  }
  const policy = learnPolicy(refs, {
    onWarning: (message) => process.stderr.write(`tagwarden: learn: ${message}\n`),
  })
  out(`${JSON.stringify(policy, null, 2)}\n`)
  return status
}
