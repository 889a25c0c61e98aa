import { UsageError } from '../errors.js'
import { inspectHtml } from '../inspect/inspect-html.js'
import { learnPolicy } from '../policy/learn.js'
import { parsePolicy } from '../policy/load.js'
import type { Reference } from '../policy/types.js'
import { externalResources, learnPins, type PinSource } from '../probe/learn-pins.js'
import { absoluteUrl, parseFlags } from './args.js'
import { expandInputs } from './files.js'
import { STDIN, openInput, out, say } from './io.js'

export const LEARN_USAGE = `usage: tagwarden learn [--url URL] [--content-type TYPE] [--pin | --pin-dir DIR] FILE|DIR...

Prints (on stdout) a JSON policy that allows exactly what the files contain and nothing else; a DIR
stands for every .html/.htm file under it.
  --url URL            the document URL: relative URLs resolve against it (default http://localhost/)
  --content-type TYPE  plays the Content-Type header, charset included
  --pin                also pin the content of the external scripts and stylesheets (another origin
                       than --url's): each is fetched and its sha384 written under "pins"
  --pin-dir DIR        the same, offline: each is read from DIR/<host[:port]>/<path> (query ignored)
Widenings CSP cannot avoid (a data: URL allowed by scheme) are said on stderr. A resource that
cannot be pinned is named on stderr and left out (exit 2).`

/** Allows nothing: learning judges nothing, it only collects what the pages reference. */
const NOTHING = parsePolicy({ action: 'report', directives: { 'default-src': ["'none'"] } }, '<learn>')

/** `tagwarden learn`: returns the exit status. */
export async function learn(args: string[]): Promise<number> {
  const { values, positionals } = parseFlags('learn', {
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://localhost/' },
      'content-type': { type: 'string' },
      pin: { type: 'boolean', default: false },
      'pin-dir': { type: 'string' },
    },
  })
  if (values.pin && values['pin-dir'] !== undefined) throw new UsageError('use --pin or --pin-dir, not both')
  if (positionals.length === 0) throw new UsageError('learn needs at least one FILE (- for standard input)')
  const url = absoluteUrl('--url', values.url)
  const headers: Record<string, string> =
    values['content-type'] === undefined ? {} : { 'content-type': values['content-type'] }
  const refs: Reference[] = []
  let status = 0
  for (const file of await expandInputs(positionals)) {
    const verdict = await inspectHtml(await openInput(file), {
      policy: NOTHING,
      url,
      headers,
      onFinding: (finding) => refs.push(finding.ref),
    })
    if (verdict.status === 'skipped' || verdict.status === 'error') {
      const name = file === STDIN ? '<stdin>' : file
      say(`${name}: not fully inspected: ${verdict.error?.message ?? verdict.reason}`)
      status = 2
    }
  }
  const policy = learnPolicy(refs, { onWarning: say })
  if (values.pin || values['pin-dir'] !== undefined) {
    const source: PinSource = values['pin-dir'] !== undefined ? { dir: values['pin-dir'] } : { fetch: {} }
    const pins = await learnPins(externalResources(refs, new URL(url)), source, (resource, reason) => {
      say(`${resource}: not pinned: ${reason}`)
      status = 2
    })
    if (Object.keys(pins).length > 0) policy.pins = pins
  }
  out(`${JSON.stringify(policy, null, 2)}\n`)
  return status
}
