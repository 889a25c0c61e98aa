/**
 * What every face does per response: start the proxy's timed inspector with the face's settings,
 * count the response and its violations once, log them, tell the caller, and build the block page.
 */
import { PassThrough, type Readable } from 'node:stream'
import { AbortedError, TagwardenError } from '../errors.js'
import type { HeadersInput } from '../inspect/options.js'
import type { ResponseVerdict } from '../metrics/metrics.js'
import type { Policy } from '../policy/types.js'
import { DEFAULT_BLOCK_PAGE } from '../proxy/responses.js'
import { TimedInspector } from '../proxy/timed-inspector.js'
import { RequestLog, type RequestInfo } from './log.js'
import { verdictLabel } from './metrics.js'
import { withoutUndefined, type Embedding } from './options.js'

/** Codes with which the gate refuses a response (the proxy's INSPECTOR_CODES): a block page or a cut. */
const REFUSALS = new Set([
  'TW_ERR_BLOCKED',
  'TW_ERR_LIMIT',
  'TW_ERR_CONTENT_DECODING',
  'TW_ERR_UNSUPPORTED_ENCODING',
])

export function isRefusal(error: unknown): error is TagwardenError {
  return error instanceof TagwardenError && REFUSALS.has(error.code)
}

/** Where the lines of one inspected response go: see RequestLog. */
export function requestLog<Req>(embedding: Embedding<Req>, request: RequestInfo): RequestLog {
  return new RequestLog(embedding.logger, embedding.site, request)
}

/**
 * The inspector for one response. Its verdict settles exactly once — inspected to the end, refused,
 * or destroyed — and that is when the response is counted. Each violation is counted and logged as
 * it is found; the face logs a block, as only it knows whether it replaced the response or cut it.
 */
export function startInspection<Req>(
  embedding: Embedding<Req>,
  policy: Policy,
  req: Req,
  url: URL,
  headers: HeadersInput,
  log: RequestLog,
): TimedInspector {
  const inspector = new TimedInspector({ policy, url, headers, ...withoutUndefined(embedding.settings) })
  const { metrics, site, onViolation } = embedding
  const action = (embedding.settings.action ?? policy.action) === 'block' ? 'blocked' : 'reported'
  inspector.on('violation', (violation) => {
    metrics?.violations.inc({ site, directive: violation.directive, action })
    log.violation(violation, action)
    if (onViolation === undefined) return
    try {
      onViolation(violation, req)
    } catch (error) {
      // The caller's bug must not decide the response: it would be thrown into the inspector.
      process.emitWarning(`tagwarden: onViolation threw: ${(error as Error)?.message ?? String(error)}`, {
        type: 'TagwardenWarning',
        code: 'TW_WARN_ON_VIOLATION',
      })
    }
  })
  void inspector.verdict.then((verdict) => {
    if (metrics === undefined) return
    metrics.responses.inc({ site, verdict: verdictLabel(verdict) })
    metrics.inspectedBytes.inc({ site }, verdict.bytes)
    metrics.inspectionSeconds.observe({ site }, inspector.seconds)
  })
  return inspector
}

/** Count a response that was not inspected (`skipped`), or an exchange that ended before one (`error`). */
export function countResponse<Req>(embedding: Embedding<Req>, verdict: ResponseVerdict): void {
  embedding.metrics?.responses.inc({ site: embedding.site, verdict })
}

/** The 502 page's HTML. */
export function blockPageHtml<Req>(embedding: Embedding<Req>, requestId: string): string {
  return (embedding.blockPage ?? DEFAULT_BLOCK_PAGE).replaceAll('{{requestId}}', requestId)
}

/**
 * For a response whose reader is not tagwarden's (Fastify sending a payload, a Response body): waits
 * until the gate releases its first byte (or the body ends), so that a refusal before it can still be
 * the block page. Resolves with that refusal, logged as a block (the face then sends the page), or
 * undefined; rejects with any other error. A refusal after the first byte is a cut, made by the
 * reader: it is logged as it happens.
 */
export async function gateReleased(
  inspector: TimedInspector,
  log: RequestLog,
): Promise<TagwardenError | undefined> {
  // Listening from the release itself, not after `await`: an error in the same tick is then not missed.
  const logCuts = (): void =>
    void inspector.on('error', (error) => {
      if (isRefusal(error)) log.blocked(error, true)
    })
  try {
    await firstRelease(inspector, logCuts)
    return undefined
  } catch (error) {
    if (!isRefusal(error)) throw error
    log.blocked(error, false)
    return error
  }
}

/**
 * Resolves once the stream has a first chunk to give (or has ended), without reading it; rejects with
 * the error that destroys it first. The stream stays readable by whoever takes it next. `onRelease`
 * is called at that first chunk, before the promise resolves.
 */
function firstRelease(stream: Readable, onRelease?: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const settle = (error?: Error | null) => {
      stream.off('readable', onReadable)
      stream.off('error', onError)
      stream.off('close', onClose)
      if (error) reject(error)
      else resolve()
    }
    const onReadable = () => {
      onRelease?.()
      settle()
    }
    const onError = (error: Error) => settle(error)
    const onClose = () =>
      settle(stream.errored ?? new AbortedError('the inspector was destroyed before its first byte'))
    stream.on('readable', onReadable)
    stream.on('error', onError)
    stream.on('close', onClose)
  })
}

/**
 * The inspector's output for a reader tagwarden does not own — a Response body, Fastify piping a
 * payload to the client — which destroys it when the client leaves. Once the inspector has its whole
 * input (its writable side ended: the client may have every byte and just closed), that does not cut
 * the inspection short: the output is dropped and the body inspected to its end, counted as usual.
 * Before that, the inspector is destroyed with it. The inspector's errors (a refusal) error it.
 */
export function detachableOutput(inspector: TimedInspector): Readable {
  const output = new PassThrough({
    destroy(error, callback) {
      inspector.unpipe(output)
      inspector.off('error', onError)
      if (inspector.writableEnded && !inspector.destroyed) inspector.resume()
      else inspector.destroy(error ?? new AbortedError('the inspected response was abandoned'))
      callback(error)
    },
  })
  const onError = (error: Error): void => void output.destroy(error)
  inspector.once('error', onError)
  inspector.pipe(output)
  return output
}
