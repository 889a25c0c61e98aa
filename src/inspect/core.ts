import { BlockedError, ContentDecodingError, LimitError, TagwardenError, type LimitName } from '../errors.js'
import { CharsetDecoder } from '../html/charset.js'
import { extractMimeType } from '../html/charset-mime.js'
import { HtmlScanner, type Finding } from '../html/scanner.js'
import { allows } from '../policy/match.js'
import { directivesForPath } from '../policy/routes.js'
import type { DirectiveSet } from '../policy/types.js'
import { createContentDecoder, type ContentDecoder } from './content-decoding.js'
import type { ResolvedOptions } from './options.js'
import { MAX_RECORDED_VIOLATIONS, truncate, type Verdict, type Violation } from './verdict.js'

/** Content types a browser renders as a document; see isInspectedType. */
const HTML_TYPES = new Set(['text/html', 'application/xhtml+xml'])
/** Types a browser sniffs as if none were given (MIME Sniffing §7; Fetch already skips the any-type). */
const UNKNOWN_TYPES = new Set(['unknown/unknown', 'application/unknown'])

/**
 * The largest piece of body (bytes as received) the parser is fed at once. In block the gate looks
 * again after each, so a 64 KiB socket read is released at its first settled point. Report feeds
 * the same pieces, so both modes parse alike.
 */
const SCAN_SLICE = 4 * 1024
/** Judged bytes go out once this many are waiting (or the chunk ends): fewer, larger writes. */
const RELEASE_BATCH = 16 * 1024

/**
 * Whether the response is a document to inspect: its type, as Fetch "extracts a MIME type" from the
 * Content-Type value (several headers combined with `, `: the last parsable type wins), is HTML or
 * XHTML. When there is no Content-Type, when no part of it parses as a MIME type (`text`,
 * `"text/html"`) or when it is `unknown/unknown` or `application/unknown`, the browser sniffs the
 * body and renders it as HTML when it looks like HTML (MIME Sniffing §7, "rules for identifying an
 * unknown MIME type"), so it is inspected too.
 */
export function isInspectedType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true
  const mimeType = extractMimeType(contentType)
  return mimeType === null || HTML_TYPES.has(mimeType.essence) || UNKNOWN_TYPES.has(mimeType.essence)
}

type Forward = (chunk: Uint8Array) => void
type Outcome = Pick<Verdict, 'status' | 'reason' | 'limit' | 'error'>

/**
 * The inspector without a stream face: body bytes in, the decision of when each may be forwarded out.
 *
 * - report: every chunk is forwarded before it is inspected; inspection never holds a byte.
 * - block: a chunk is held until everything decoded from it has been judged clean, i.e. until the
 *   parser is between tokens with no inline script or style open (HTML §13.2.5: the tokenizer decides
 *   what a byte means only once the token it belongs to is complete). On a violation the held chunks
 *   are dropped and `accept` throws a BlockedError: no byte of the violating element was forwarded.
 *
 * Calls to `accept` must not overlap: each waits for the previous one (stream faces guarantee this).
 */
export class InspectionCore {
  readonly #options: ResolvedOptions
  readonly #onViolation: (violation: Violation) => void
  readonly #directives: DirectiveSet
  readonly #content: ContentDecoder | null = null
  readonly #charset: CharsetDecoder
  readonly #scanner: HtmlScanner
  readonly #held: Uint8Array[] = []
  #heldBytes = 0
  /** Whether any byte has gone out in block: the first judged bytes go at once (time to first byte). */
  #released = false
  #bytes = 0
  #inspecting = true
  #blocked = false
  /** The limit the scanner stopped at, if any. */
  #scannerLimit: 'maxTokenBytes' | 'maxNestingDepth' | null = null
  #violations: Violation[] = []
  #violationCount = 0
  #outcome: Outcome | null = null
  /** A Content-Encoding that cannot be undone: raised on the first chunk, where the gate can act on it. */
  #undecodable: TagwardenError | null = null

  readonly #onFinding: ((finding: Finding) => void) | undefined

  /** `onFinding` sees every reference found on the page, allowed or not (what `learn` learns from). */
  constructor(
    options: ResolvedOptions,
    onViolation: (violation: Violation) => void,
    onFinding?: (finding: Finding) => void,
  ) {
    this.#options = options
    this.#onViolation = onViolation
    this.#onFinding = onFinding
    this.#directives = directivesForPath(options.policy, options.url.pathname)
    this.#charset = new CharsetDecoder({
      contentType: options.contentType,
      defaultEncoding: options.defaultEncoding,
    })
    this.#scanner = new HtmlScanner({
      documentUrl: options.url,
      maxTokenBytes: options.limits.maxTokenBytes,
      maxNestingDepth: options.limits.maxNestingDepth,
      onFinding: (finding) => this.#judge(finding),
      onTokenLimit: () => {
        this.#scannerLimit = 'maxTokenBytes'
      },
      onDepthLimit: () => {
        this.#scannerLimit = 'maxNestingDepth'
      },
    })
    if (!isInspectedType(options.contentType)) {
      this.#stop({ status: 'skipped', reason: 'not-html' })
      return
    }
    try {
      this.#content = createContentDecoder(options.contentEncoding, {
        maxDecodedBytes: options.limits.maxDecodedBytes,
        maxInflationRatio: options.limits.maxInflationRatio,
      })
    } catch (error) {
      this.#undecodable = asTagwardenError(error)
    }
  }

  /** Whether the gate is open: chunks are forwarded as they come. */
  get passing(): boolean {
    return !this.#inspecting || this.#options.action === 'report'
  }

  /**
   * Take one chunk of body. Calls `forward` for each chunk that may go out now, in order. Throws a
   * TagwardenError when the output must end here (a violation in `block`, or a limit with
   * `onLimit: 'block'`).
   */
  async accept(chunk: Uint8Array, forward: Forward): Promise<void> {
    this.#bytes += chunk.length
    if (this.passing) forward(chunk)
    if (this.#undecodable !== null) this.#cannotInspect(this.#undecodable, 'decoding')
    if (!this.#inspecting) return
    if (this.passing) {
      for (let at = 0; at < chunk.length && this.#inspecting; at += SCAN_SLICE) {
        const decoding = this.#scan(chunk.subarray(at, at + SCAN_SLICE), forward)
        if (decoding !== undefined) await decoding
      }
      return
    }
    // Judged a slice at a time, so the gate can open at any slice boundary where the parser is
    // settled, not only where the socket happened to cut the body: a large chunk is not held whole.
    // `from`: this chunk's bytes before it are out; `judged`: those before it are judged clean.
    let from = 0
    let judged = 0
    for (let at = 0; at < chunk.length; at += SCAN_SLICE) {
      const end = Math.min(at + SCAN_SLICE, chunk.length)
      this.#heldBytes += end - at
      const decoding = this.#scan(chunk.subarray(at, end), forward)
      if (decoding !== undefined) await decoding
      if (this.#inspecting && this.#charset.encoding !== null && this.#scanner.settled) judged = end
      else if (this.#inspecting && this.#heldBytes > this.#options.limits.maxHeldBytes) {
        this.#limit(
          'maxHeldBytes',
          `more than ${this.#options.limits.maxHeldBytes} bytes held awaiting judgement`,
        )
      }
      if (!this.#inspecting) {
        // A limit with `onLimit: 'pass'`: everything goes out unjudged, in order.
        this.#release(forward)
        forward(chunk.subarray(from))
        return
      }
      // Released in batches (fewer writes downstream than one per slice): the first as soon as it
      // can, then every RELEASE_BATCH bytes, and whatever is judged when the chunk ends — a server
      // that flushes its <head> early and then computes the body sees the head go out.
      const batch = judged - from
      if (batch > 0 && (!this.#released || batch >= RELEASE_BATCH || end === chunk.length)) {
        this.#release(forward)
        forward(chunk.subarray(from, judged))
        this.#heldBytes = end - judged
        from = judged
        this.#released = true
      }
    }
    if (from < chunk.length) this.#held.push(chunk.subarray(from))
  }

  /**
   * Undo the content coding and the charset, and feed the parser; then act on what it found.
   * Synchronous for an identity body (the per-slice hot path: no promise, no microtask); a promise
   * only while a decompressor (zlib, asynchronous) has the piece.
   */
  #scan(piece: Uint8Array, forward: Forward): Promise<void> | undefined {
    if (this.#content === null) {
      this.#scanner.write(this.#charset.write(piece))
      this.#afterInput(forward)
      return undefined
    }
    return this.#undoContentEncoding(this.#content.write(piece)).then((decoded) => {
      for (const bytes of decoded) this.#scanner.write(this.#charset.write(bytes))
      this.#afterInput(forward)
    })
  }

  /** End of body: run the end-of-file steps, judge what is left, forward what is held. */
  async finish(forward: Forward): Promise<void> {
    if (this.#undecodable !== null) this.#cannotInspect(this.#undecodable, 'decoding')
    if (this.#inspecting) {
      const decoded = this.#content === null ? [] : await this.#undoContentEncoding(this.#content.end())
      for (const piece of decoded) this.#scanner.write(this.#charset.write(piece))
      if (this.#inspecting) {
        this.#scanner.write(this.#charset.end())
        this.#scanner.end()
      }
      this.#afterInput(forward)
    }
    this.#release(forward)
    this.#outcome ??= { status: this.#violationCount > 0 ? 'violation' : 'clean' }
  }

  /** The input ended early or the output was destroyed: release everything. */
  abort(error: TagwardenError): void {
    this.#held.length = 0
    this.#heldBytes = 0
    this.#content?.destroy()
    if (this.#outcome === null || this.#outcome.status === 'skipped') {
      this.#outcome = { ...this.#outcome, status: 'error', reason: this.#outcome?.reason ?? 'aborted', error }
    }
    this.#inspecting = false
  }

  verdict(): Verdict {
    const outcome = this.#outcome ?? { status: 'error', reason: 'aborted' }
    const status = this.#violationCount > 0 && outcome.status !== 'error' ? 'violation' : outcome.status
    return {
      ...outcome,
      status,
      violations: this.#violations,
      violationCount: this.#violationCount,
      bytes: this.#bytes,
      encoding: outcome.reason === 'not-html' ? null : this.#charset.encoding,
    }
  }

  /** After the scanner has seen new input: a violation or a token limit ends or opens the gate. */
  #afterInput(forward: Forward): void {
    if (this.#blocked) {
      this.#held.length = 0
      this.#heldBytes = 0
      this.#stop({ status: 'violation' })
      throw new BlockedError()
    }
    if (this.#scannerLimit !== null && this.#inspecting) {
      const { limits } = this.#options
      this.#limit(
        this.#scannerLimit,
        this.#scannerLimit === 'maxTokenBytes'
          ? `a token or inline text longer than ${limits.maxTokenBytes} characters`
          : `more than ${limits.maxNestingDepth} elements open at once`,
      )
      this.#release(forward)
    }
  }

  /** Decompressed output; a bomb or a corrupt body stops inspection (see #cannotInspect). */
  async #undoContentEncoding(output: Promise<Buffer[]>): Promise<Buffer[]> {
    try {
      return await output
    } catch (error) {
      this.#cannotInspect(asTagwardenError(error), error instanceof LimitError ? 'limit' : 'decoding')
      return []
    }
  }

  #judge(finding: Finding): void {
    if (this.#inspecting) this.#onFinding?.(finding)
    if (!this.#inspecting || allows(this.#directives, finding.ref, this.#options.url)) return
    const violation: Violation = {
      directive: finding.ref.directive,
      element: finding.element,
      attribute: finding.attribute,
      value: truncate(finding.value),
      url: finding.ref.kind === 'url' ? finding.ref.url.href : null,
      line: finding.line,
      column: finding.column,
    }
    this.#violationCount++
    if (this.#violations.length < MAX_RECORDED_VIOLATIONS) this.#violations.push(violation)
    if (this.#options.action === 'block') this.#blocked = true
    this.#onViolation(violation)
  }

  #limit(limit: LimitName, message: string): void {
    this.#cannotInspect(new LimitError(`inspection limit ${limit}: ${message}`, limit), 'limit')
  }

  /**
   * Inspection cannot go on (a limit, a body that cannot be decoded). With `onLimit: 'block'` the
   * output ends with the error; with `pass` the rest goes through uninspected.
   */
  #cannotInspect(error: TagwardenError, reason: 'limit' | 'decoding'): void {
    const limit = error instanceof LimitError ? error.limit : undefined
    if (this.#options.onLimit === 'block') {
      this.#held.length = 0
      this.#heldBytes = 0
      this.#stop({ status: 'error', reason, limit, error })
      throw error
    }
    this.#stop({ status: 'skipped', reason, limit, error })
  }

  #stop(outcome: Outcome): void {
    this.#outcome = Object.fromEntries(Object.entries(outcome).filter(([, v]) => v !== undefined)) as Outcome
    this.#inspecting = false
    this.#undecodable = null
    this.#content?.destroy()
  }

  #release(forward: Forward): void {
    for (const chunk of this.#held) forward(chunk)
    this.#held.length = 0
    this.#heldBytes = 0
  }
}

function asTagwardenError(error: unknown): TagwardenError {
  if (error instanceof TagwardenError) return error
  return new ContentDecodingError(error instanceof Error ? error.message : String(error), { cause: error })
}
