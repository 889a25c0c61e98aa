import { Transform, type TransformCallback } from 'node:stream'
import { AbortedError, TagwardenError } from '../errors.js'
import { InspectionCore } from './core.js'
import { resolveOptions, type InspectorOptions } from './options.js'
import type { Verdict, Violation } from './verdict.js'
import type { Finding } from '../html/scanner.js'

/**
 * The inspector as a Node stream: upstream body bytes in, gated bytes out — always the input's own
 * bytes, never re-encoded. In `block` the output ends with a `TW_ERR_BLOCKED` error before the first
 * byte of a violating element; in `report` every byte goes out before it is inspected.
 */
export class Inspector extends Transform {
  /** Settles once the body has been inspected, blocked, or the stream destroyed; never rejects. */
  readonly verdict: Promise<Verdict>
  readonly #core: InspectionCore
  #settle!: (verdict: Verdict) => void
  #settled = false

  /** `onFinding` sees every reference on the page, allowed or not (what learning learns from). */
  constructor(options: InspectorOptions, onFinding?: (finding: Finding) => void) {
    super()
    const resolved = resolveOptions(options)
    this.verdict = new Promise((resolve) => (this.#settle = resolve))
    this.#core = new InspectionCore(resolved, (violation) => this.emit('violation', violation), onFinding)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#core.accept(chunk, (out) => this.push(out)).then(() => callback(), callback)
  }

  override _flush(callback: TransformCallback): void {
    this.#core
      .finish((out) => this.push(out))
      .then(() => {
        this.#resolveVerdict()
        callback()
      }, callback)
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#settled) {
      // Destroyed before the end: the input was cut, the output abandoned, or the gate raised an error.
      const reason = error instanceof TagwardenError ? error : new AbortedError(abortMessage(error))
      this.#core.abort(reason)
      this.#resolveVerdict()
    }
    callback(error)
  }

  #resolveVerdict(): void {
    if (this.#settled) return
    this.#settled = true
    this.#settle(this.#core.verdict())
  }

  // Typed events (as parse5-html-rewriting-stream does); `any[]` is the signature of the stream
  // overloads these sit beside.
  /* eslint-disable @typescript-eslint/no-explicit-any */
  override on(event: 'violation', listener: (violation: Violation) => void): this
  override on(event: 'data', listener: (chunk: Buffer) => void): this
  override on(event: 'error', listener: (error: Error) => void): this
  override on(event: string | symbol, listener: (...args: any[]) => void): this
  override on(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.on(event, listener)
  }

  override once(event: 'violation', listener: (violation: Violation) => void): this
  override once(event: string | symbol, listener: (...args: any[]) => void): this
  override once(event: string | symbol, listener: (...args: any[]) => void): this {
    return super.once(event, listener)
  }
  /* eslint-enable @typescript-eslint/no-explicit-any */
}

function abortMessage(error: Error | null): string {
  return error === null
    ? 'the inspected stream was destroyed before its end'
    : `the inspected stream was aborted: ${error.message}`
}

/** Create an inspector: a Node Duplex (Transform) that gates an HTML response body. */
export function createInspector(options: InspectorOptions): Inspector {
  return new Inspector(options)
}
