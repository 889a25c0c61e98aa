/**
 * Response interception for node:http handlers and Connect/Express middleware. The response's
 * writeHead/write/end/flushHeaders (and `on('drain')`) are replaced on the instance, as `compression`
 * does, so that an HTML body passes through the inspector before any byte of it reaches the layer
 * below — Node itself, or a `compression()` registered before — and its head waits for the first
 * byte the gate releases: a block before it becomes the 502 page, a block after it a cut connection.
 *
 * What the layer below receives is what the handler wrote, call for call: the handler's own
 * writeHead arguments (so header order, case, repetition and framing are Node's as without
 * tagwarden), its chunks as they were, and a body given whole to `end()` is passed on whole to
 * `end()`, so that Node frames it with a Content-Length as it would have.
 */
import { EventEmitter } from 'node:events'
import { validateHeaderName, validateHeaderValue, type IncomingMessage, type ServerResponse } from 'node:http'
import { pipeline, Writable } from 'node:stream'
import { AbortedError } from '../errors.js'
import { headerValue } from '../inspect/options.js'
import type { Policy } from '../policy/types.js'
import { isInspected } from '../proxy/responses.js'
import type { TimedInspector } from '../proxy/timed-inspector.js'
import { documentUrl } from './document-url.js'
import { blockPageHtml, countResponse, isRefusal, requestLog, startInspection } from './inspection.js'
import { nodeRequestInfo, type RequestLog } from './log.js'
import {
  currentHeaders,
  discard,
  endArguments,
  getterBelow,
  headersArgument,
  headersSentError,
  toBuffer,
  writeArguments,
} from './node-calls.js'
import { gateCanRefuse, type Embedding } from './options.js'

type Method = (...args: unknown[]) => unknown
type Listener = (...args: unknown[]) => void

/**
 * - pending: the handler has not started its response; nothing is decided.
 * - passthrough: not inspected (not HTML, HEAD, 1xx/204/304): every call goes straight below.
 * - inspecting: the body goes through the inspector; the head is held until its first byte.
 * - replacing: the gate refused before anything was sent; the block page goes below.
 * - blocked: refused; what the handler still writes is dropped.
 * - done: the body was inspected and ended below; later calls go below (and fail there as Node's do).
 * - closed: the connection closed first; calls go below, where Node discards them.
 */
type State = 'pending' | 'passthrough' | 'inspecting' | 'replacing' | 'blocked' | 'done' | 'closed'

const directOn = EventEmitter.prototype.on
const directEmit = EventEmitter.prototype.emit

/** Install the interception on `res`. `policy` is the face's, already read. */
export function interceptResponse<Req extends IncomingMessage>(
  req: Req,
  res: ServerResponse,
  embedding: Embedding<Req>,
  policy: Policy,
): void {
  new Interception(req, res, embedding, policy)
}

class Interception<Req extends IncomingMessage> {
  readonly #req: Req
  readonly #res: ServerResponse
  readonly #embedding: Embedding<Req>
  readonly #policy: Policy
  /** The methods of the layer below, as they were when the interception was installed. */
  readonly #below: Record<'writeHead' | 'write' | 'end' | 'flushHeaders' | 'on', Method>
  readonly #belowHeadersSent: () => boolean
  #state: State = 'pending'
  /** >0 while calling into the layer below: what it calls back on `res` is its own business. */
  #depth = 0
  /** The handler's writeHead arguments, held until the first released byte. */
  #head: unknown[] | undefined
  #streamed = false
  #ended = false
  /** The released body of a response given whole to `end()`, passed on with one `end()`. */
  #collected: Buffer[] | undefined
  /** Already ended below (a whole body in `report`, sent at once while inspection runs beside it). */
  #endedBelow = false
  #inspector: TimedInspector | undefined
  /** Where the inspected response's lines go; its id is the block page's. */
  #log: RequestLog | undefined
  /** Whether the handler saw `write()` return false and waits for 'drain'. */
  #handlerNeedsDrain = false
  #emittingDrain = false
  /** 'drain' listeners added before the response started: where they belong is not known yet. */
  #heldDrainListeners: Listener[] = []
  /** The sink's write waiting for the layer below to drain. */
  #sinkDrain: (() => void) | undefined
  #listeningBelow = false

  constructor(req: Req, res: ServerResponse, embedding: Embedding<Req>, policy: Policy) {
    this.#req = req
    this.#res = res
    this.#embedding = embedding
    this.#policy = policy
    const r = res as unknown as Record<string, Method>
    this.#below = {
      writeHead: r.writeHead!,
      write: r.write!,
      end: r.end!,
      flushHeaders: r.flushHeaders!,
      on: r.on!,
    }
    this.#belowHeadersSent = getterBelow(res, 'headersSent')
    r.writeHead = (...args) => this.#writeHead(args)
    r.write = (...args) => this.#write(args)
    r.end = (...args) => this.#end(args)
    r.flushHeaders = () => this.#flushHeaders()
    r.on = r.addListener = (type, listener) => this.#on(type as string | symbol, listener as Listener)
    // From the handler's side the head is sent once it has started its response, as with Node; the
    // layers below (and the block page) see whether it really was.
    Object.defineProperty(res, 'headersSent', {
      configurable: true,
      enumerable: false,
      get: () => (this.#state === 'inspecting' && this.#depth === 0) || this.#belowHeadersSent(),
    })
    res.once('close', () => this.#onClose())
  }

  #forwarding(): boolean {
    const s = this.#state
    return this.#depth > 0 || s === 'passthrough' || s === 'replacing' || s === 'done' || s === 'closed'
  }

  #call(method: Method, args: unknown[]): unknown {
    this.#depth++
    try {
      return method.apply(this.#res, args)
    } finally {
      this.#depth--
    }
  }

  #writeHead(args: unknown[]): unknown {
    // The layer below writing its implicit head (Node's, compression's), or a passed-through response.
    if (this.#forwarding()) return this.#call(this.#below.writeHead, args)
    if (this.#state === 'blocked') return this.#res
    if (this.#state === 'inspecting') throw headersSentError()
    const status = Number(args[0])
    // Let Node throw its own error for a status it refuses, before anything is decided.
    if (!Number.isInteger(status) || status < 100 || status > 999)
      return this.#call(this.#below.writeHead, args)
    const headers = headersArgument(args)
    for (const [name, value] of headers) {
      validateHeaderName(name)
      validateHeaderValue(name, value as string)
    }
    this.#res.statusCode = status
    // As Node merges them: a name given here replaces the one set before, and a name given twice
    // (`['Content-Type', a, 'Content-Type', b]`) is sent twice, so the browser reads both, `a, b`.
    const given = new Map<string, unknown[]>()
    for (const [name, value] of headers) {
      const key = name.toLowerCase()
      given.set(key, [...(given.get(key) ?? []), ...(Array.isArray(value) ? value : [value])])
    }
    const merged = currentHeaders(this.#res)
    for (const [key, values] of given) merged.set(key, values.length === 1 ? values[0] : values)
    this.#decide(merged)
    if (this.#forwarding()) return this.#call(this.#below.writeHead, args)
    this.#head = args
    return this.#res
  }

  #write(args: unknown[]): unknown {
    if (this.#forwarding()) return this.#call(this.#below.write, args)
    const [chunk, encoding, callback] = writeArguments(args)
    if (this.#state === 'blocked') return discard(callback, 'the response was blocked')
    if (this.#state === 'pending') {
      this.#decide(currentHeaders(this.#res))
      if (this.#forwarding()) return this.#call(this.#below.write, args)
    }
    this.#streamed = true
    if (this.#ended) return discard(callback, 'write after end')
    const buffer = toBuffer(chunk, encoding)
    const ok = this.#inspector!.write(buffer, callback)
    if (!ok) this.#handlerNeedsDrain = true
    return ok
  }

  #end(args: unknown[]): unknown {
    if (this.#forwarding()) return this.#call(this.#below.end, args)
    const [chunk, encoding, callback] = endArguments(args)
    if (this.#state === 'blocked' || this.#ended) {
      if (callback) process.nextTick(callback)
      return this.#res
    }
    if (this.#state === 'pending') {
      this.#decide(currentHeaders(this.#res))
      if (this.#forwarding()) return this.#call(this.#below.end, args)
    }
    this.#ended = true
    // As Node: an empty string is no body at all.
    const buffer =
      chunk === undefined || chunk === null || chunk === '' ? undefined : toBuffer(chunk, encoding)
    if (!this.#streamed && !this.#belowHeadersSent()) {
      if (gateCanRefuse(this.#embedding.settings, this.#policy)) {
        this.#collected = []
      } else {
        // Nothing can be refused: the body goes out now, and is inspected beside it.
        this.#endedBelow = true
        this.#commitHead()
        this.#call(this.#below.end, buffer === undefined ? [] : [buffer])
      }
    }
    if (buffer === undefined) this.#inspector!.end(callback)
    else this.#inspector!.end(buffer, callback)
    return this.#res
  }

  #flushHeaders(): unknown {
    if (this.#forwarding()) return this.#call(this.#below.flushHeaders, [])
    if (this.#state === 'blocked') return undefined
    if (this.#state === 'pending') this.#decide(currentHeaders(this.#res))
    // The handler wants its head out now (often a stream of writes over time): so be it. A block
    // after this cuts the connection.
    this.#commitHead()
    return this.#call(this.#below.flushHeaders, [])
  }

  #on(type: string | symbol, listener: Listener): unknown {
    if (type !== 'drain' || this.#forwarding()) return this.#call(this.#below.on, [type, listener])
    if (this.#state === 'pending') {
      this.#heldDrainListeners.push(listener)
      return this.#res
    }
    // While inspecting, 'drain' is the inspector's (see #inspectorDrained), not the layer below's.
    return directOn.call(this.#res, 'drain', listener)
  }

  /** The handler has started its response: inspect it, or step aside. */
  #decide(headers: Map<string, unknown>): void {
    const { req, res } = { req: this.#req, res: this.#res }
    const type = headerValue(Object.fromEntries(headers) as Record<string, string>, 'content-type')
    const held = this.#heldDrainListeners
    this.#heldDrainListeners = []
    if (!isInspected(req.method, res.statusCode, type)) {
      this.#state = 'passthrough'
      countResponse(this.#embedding, 'skipped')
      for (const listener of held) this.#call(this.#below.on, ['drain', listener])
      return
    }
    this.#state = 'inspecting'
    for (const listener of held) directOn.call(res, 'drain', listener)
    const url = documentUrl(req, this.#embedding.trustProxy)
    const log = requestLog(this.#embedding, nodeRequestInfo(req, url))
    this.#log = log
    const inspector = startInspection(
      this.#embedding,
      this.#policy,
      req,
      url,
      Object.fromEntries(headers) as Record<string, string>,
      log,
    )
    this.#inspector = inspector
    inspector.on('drain', () => this.#inspectorDrained())
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, callback) => this.#release(chunk, callback),
      final: (callback) => {
        this.#endBelow()
        callback()
      },
      destroy: (error, callback) => {
        this.#sinkDrain = undefined
        callback(error)
      },
    })
    pipeline(inspector, sink, (error) => (error ? this.#failed(error) : this.#completed()))
  }

  /** A chunk the gate released. */
  #release(chunk: Buffer, callback: () => void): void {
    // Ended below, or the client has gone while the inspection runs to its end: dropped.
    if (this.#endedBelow || this.#state === 'closed') return callback()
    if (this.#collected !== undefined) {
      this.#collected.push(chunk)
      return callback()
    }
    this.#commitHead()
    if (this.#call(this.#below.write, [chunk])) return callback()
    this.#sinkDrain = callback
    if (!this.#listeningBelow) {
      this.#listeningBelow = true
      this.#call(this.#below.on, ['drain', this.#belowDrained])
    }
  }

  /**
   * The handler's own writeHead call goes below, just before the first byte (or the end). Node fixes
   * the framing there — chunked, unless a Content-Length was given — as it would have at the call.
   * Without one, the layer below writes its implicit head when it gets the first byte or the end, and
   * Node frames a body given whole to `end()` with a Content-Length, again as without tagwarden.
   */
  #commitHead(): void {
    const head = this.#head
    if (head === undefined) return
    this.#head = undefined
    if (!this.#belowHeadersSent()) this.#call(this.#below.writeHead, head)
  }

  readonly #belowDrained = (): void => {
    if (this.#emittingDrain) return // our own 'drain' for the handler, not the layer below's
    const callback = this.#sinkDrain
    this.#sinkDrain = undefined
    callback?.()
  }

  #inspectorDrained(): void {
    if (!this.#handlerNeedsDrain || this.#state !== 'inspecting') return
    this.#handlerNeedsDrain = false
    this.#emittingDrain = true
    try {
      directEmit.call(this.#res, 'drain')
    } finally {
      this.#emittingDrain = false
    }
  }

  #endBelow(): void {
    if (this.#endedBelow) return
    this.#endedBelow = true
    if (this.#state === 'closed') return
    this.#commitHead()
    const body = this.#collected
    if (body === undefined || body.length === 0) this.#call(this.#below.end, [])
    else this.#call(this.#below.end, [body.length === 1 ? body[0] : Buffer.concat(body)])
  }

  #completed(): void {
    if (this.#state === 'inspecting') this.#state = 'done'
  }

  #failed(error: Error): void {
    if (this.#state === 'closed') return // the client left: nobody to answer
    if (isRefusal(error)) {
      const replaceable = !this.#endedBelow && !this.#belowHeadersSent()
      this.#log!.blocked(error, !replaceable)
      if (replaceable) return this.#replace()
    }
    // Refused after the head went out (or an internal failure): cut, never end cleanly, so that
    // neither the browser nor a cache takes what was sent for the page.
    this.#state = 'blocked'
    this.#res.destroy()
  }

  /**
   * Nothing was sent: the proxy's 502 block page instead, with none of the handler's headers. It goes
   * straight to the layer below: a layer installed after tagwarden (compression() registered after
   * the middleware) has ended its own part of the response already.
   */
  #replace(): void {
    const res = this.#res
    this.#state = 'replacing'
    this.#head = undefined
    for (const name of res.getHeaderNames()) res.removeHeader(name)
    res.statusMessage = ''
    const body = blockPageHtml(this.#embedding, this.#log!.requestId)
    this.#call(this.#below.writeHead, [
      502,
      {
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      },
    ])
    this.#call(this.#below.end, [body])
    this.#state = 'blocked'
  }

  #onClose(): void {
    const state = this.#state
    if (state !== 'blocked') this.#state = 'closed'
    this.#heldDrainListeners = []
    if (this.#listeningBelow) this.#res.removeListener('drain', this.#belowDrained)
    if (state === 'pending') countResponse(this.#embedding, 'error') // left before the handler answered
    if (state !== 'inspecting' || this.#res.writableFinished) return
    if (this.#ended) {
      // The handler has given the whole body (the client may have all of it and just closed): it
      // is inspected to its end and counted; what the gate still releases is dropped.
      const waiting = this.#sinkDrain
      this.#sinkDrain = undefined
      waiting?.()
      return
    }
    this.#inspector!.destroy(new AbortedError('the client closed the connection before the response ended'))
  }
}
