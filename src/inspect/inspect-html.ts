import type { Finding } from '../html/scanner.js'
import { InspectionCore } from './core.js'
import { resolveOptions, type InspectorOptions } from './options.js'
import type { Verdict, Violation } from './verdict.js'

/** A whole document: text, bytes, or a stream of bytes (a Node Readable is an AsyncIterable). */
export type HtmlInput = string | Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>

export interface InspectHtmlOptions extends InspectorOptions {
  /** Called for each violation as it is found. */
  onViolation?: (violation: Violation) => void
  /** Called for every reference found on the page, allowed or not: what `learnPolicy` learns from. */
  onFinding?: (finding: Finding) => void
}

/**
 * Inspect a whole document and return its verdict with every violation (up to the recorded maximum).
 * Nothing is gated: the document is read in `report` mode whatever the policy's action, so all
 * violations are found; `onLimit` defaults to `pass`. A string is already text: it is read as UTF-8
 * whatever its headers or `<meta>` say, and any Content-Encoding header is ignored.
 */
export async function inspectHtml(input: HtmlInput, options: InspectHtmlOptions): Promise<Verdict> {
  const resolved = resolveOptions({ onLimit: 'pass', ...options, action: 'report' })
  if (typeof input === 'string') {
    resolved.contentType = 'text/html; charset=utf-8'
    resolved.contentEncoding = undefined
  }
  const core = new InspectionCore(resolved, (v) => options.onViolation?.(v), options.onFinding)
  const forward = () => {}
  if (typeof input === 'string') {
    await core.accept(new TextEncoder().encode(input), forward)
  } else if (input instanceof Uint8Array) {
    await core.accept(input, forward)
  } else {
    for await (const chunk of input) await core.accept(chunk, forward)
  }
  await core.finish(forward)
  return core.verdict()
}
