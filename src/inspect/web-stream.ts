import type { Transformer } from 'node:stream/web'
import { AbortedError, TagwardenError } from '../errors.js'
import { InspectionCore } from './core.js'
import { resolveOptions, type InspectorOptions } from './options.js'
import type { Verdict, Violation } from './verdict.js'

export interface InspectorStreamOptions extends InspectorOptions {
  /** Called for each violation as it is found. */
  onViolation?: (violation: Violation) => void
}

/**
 * The inspector as a WHATWG TransformStream, for fetch-style servers (`response.body.pipeThrough(…)`).
 * It extends the global TransformStream (the same class as node:stream/web's at run time), so that its
 * declared type is the one `fetch`'s streams have in the user's project, DOM types or Node's.
 * Same gate as the Node face: in `block` the readable side errors with `TW_ERR_BLOCKED` before the
 * first byte of a violating element.
 */
export class InspectorStream extends TransformStream<Uint8Array, Uint8Array> {
  /** Settles once the body has been inspected, blocked, or the stream cancelled; never rejects. */
  readonly verdict: Promise<Verdict>

  constructor(options: InspectorStreamOptions) {
    const core = new InspectionCore(resolveOptions(options), (v) => options.onViolation?.(v))
    let settle!: (verdict: Verdict) => void
    const verdict = new Promise<Verdict>((resolve) => (settle = resolve))
    const fail = (error: unknown) => {
      core.abort(error instanceof TagwardenError ? error : new AbortedError(String(error)))
      settle(core.verdict())
    }
    const transformer: Transformer<Uint8Array, Uint8Array> & { cancel(reason: unknown): void } = {
      async transform(chunk, controller) {
        try {
          await core.accept(chunk, (out) => controller.enqueue(out))
        } catch (error) {
          fail(error)
          throw error
        }
      },
      async flush(controller) {
        try {
          await core.finish((out) => controller.enqueue(out))
        } catch (error) {
          fail(error)
          throw error
        }
        settle(core.verdict())
      },
      // The readable side was cancelled (the client went away): release everything.
      cancel(reason: unknown) {
        fail(reason ?? new AbortedError('the readable side was cancelled'))
      },
    }
    super(transformer)
    this.verdict = verdict
  }
}
