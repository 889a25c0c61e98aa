/**
 * `fastifyTagwarden`: a Fastify plugin inspecting the HTML payloads of every route — strings,
 * Buffers, Node streams, web streams and Responses — in an `onSend` hook, as Fastify's own
 * compression plugin handles payloads. Fastify's types are not imported: these structural ones are
 * what the plugin uses, so tagwarden's declarations do not depend on Fastify being installed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable, pipeline } from 'node:stream'
import type { ReadableStream as NodeReadableStream } from 'node:stream/web'
import type { Policy } from '../policy/types.js'
import { isInspected } from '../proxy/responses.js'
import { documentUrl } from './document-url.js'
import { gateResponse } from './fetch.js'
import {
  blockPageHtml,
  countResponse,
  detachableOutput,
  gateReleased,
  isRefusal,
  requestLog,
  startInspection,
} from './inspection.js'
import type { EmbedLogger, RequestInfo, RequestLog } from './log.js'
import { gateCanRefuse, resolveEmbedOptions, type EmbedOptions, type Embedding } from './options.js'

/** The parts of a FastifyRequest the plugin uses. */
export interface FastifyRequestLike {
  id: unknown
  method: string
  raw: IncomingMessage
  /** Fastify's per-request logger: the plugin logs there unless given a `logger`. */
  log?: EmbedLogger
}

/** The parts of a FastifyReply the plugin uses. */
export interface FastifyReplyLike {
  statusCode: number
  raw: ServerResponse
  getHeader(name: string): unknown
  getHeaders(): Record<string, unknown>
  header(name: string, value: unknown): unknown
  removeHeader(name: string): unknown
  code(statusCode: number): unknown
}

/** The part of a FastifyInstance the plugin uses. */
export interface FastifyInstanceLike {
  addHook(
    name: 'onSend',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, payload: unknown) => Promise<unknown>,
  ): unknown
}

/** `app.register(fastifyTagwarden, options)`; `onViolation` gets the Fastify request. */
export type FastifyTagwardenOptions = EmbedOptions<FastifyRequestLike>

async function plugin(instance: FastifyInstanceLike, options: FastifyTagwardenOptions): Promise<void> {
  const embedding = resolveEmbedOptions(options, 'fastifyTagwarden')
  // A bad policy throws here: it fails `register()`/`app.ready()`, not the first request.
  const { policy } = embedding
  instance.addHook('onSend', (request, reply, payload) => onSend(embedding, policy, request, reply, payload))
}

/**
 * The Fastify plugin. Registered on the root instance it covers every route (it is not encapsulated,
 * as with fastify-plugin); registered inside a plugin, that plugin's routes. A block before the first
 * byte replaces the reply with the 502 block page (the request id is Fastify's); a stream blocked after
 * its first byte is cut by Fastify. Replies sent with `reply.hijack()` bypass Fastify's hooks and are
 * not inspected.
 */
export const fastifyTagwarden = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'tagwarden',
  [Symbol.for('plugin-meta')]: { name: 'tagwarden', fastify: '5.x' },
})

async function onSend(
  embedding: Embedding<FastifyRequestLike>,
  policy: Policy,
  request: FastifyRequestLike,
  reply: FastifyReplyLike,
  payload: unknown,
): Promise<unknown> {
  const url = documentUrl(request.raw, embedding.trustProxy)
  const info: RequestInfo = {
    logger: request.log,
    id: request.id,
    method: request.method,
    path: url.pathname,
  }
  if (isResponse(payload)) {
    const gated = await gateResponse(embedding, policy, payload, url, request, info)
    if (gated.blocked) clearHeaders(reply)
    return gated.response
  }
  const type = reply.getHeader('content-type')
  const stream = isStream(payload)
  const whole =
    payload === null || payload === undefined || typeof payload === 'string' || payload instanceof Uint8Array
  if (
    (!stream && !whole) ||
    !isInspected(request.method, reply.statusCode, type === undefined ? undefined : String(type))
  ) {
    // Not HTML, or a payload Fastify itself will refuse.
    countResponse(embedding, 'skipped')
    return payload
  }
  const headers = reply.getHeaders() as Record<string, string>
  const log = requestLog(embedding, info)
  const inspector = startInspection(embedding, policy, request, url, headers, log)
  // Fastify reads the stream and handles its errors; until it does they must not be uncaught.
  inspector.on('error', () => {})
  const gate = gateCanRefuse(embedding.settings, policy)
  if (!stream) {
    // A string or Buffer: inspected whole before it is sent when the gate can refuse, beside it when not.
    inspector.end(typeof payload === 'string' ? Buffer.from(payload) : (payload as Uint8Array | undefined))
    if (!gate) {
      inspector.resume()
      return payload
    }
    try {
      await consumed(inspector)
    } catch (error) {
      if (!isRefusal(error)) throw error
      log.blocked(error, false)
      return block(embedding, log, reply)
    }
    return payload
  }
  pipeline(asNodeStream(payload), inspector, () => {})
  if (gate && (await gateReleased(inspector, log)) !== undefined) return block(embedding, log, reply)
  return detachableOutput(inspector)
}

function isResponse(payload: unknown): payload is Response {
  return Object.prototype.toString.call(payload) === '[object Response]'
}

/** A Node stream or a web stream payload (the latter is only read once it is inspected). */
function isStream(payload: unknown): boolean {
  if (payload === null || typeof payload !== 'object') return false
  return (
    typeof (payload as Readable).pipe === 'function' ||
    typeof (payload as ReadableStream).getReader === 'function'
  )
}

function asNodeStream(payload: unknown): Readable {
  if (typeof (payload as Readable).pipe === 'function') return payload as Readable
  return Readable.fromWeb(payload as NodeReadableStream<Uint8Array>)
}

/** Resolves once the readable side has ended, discarding what it gives; rejects with its error. */
function consumed(stream: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.on('end', resolve).on('error', reject).resume()
  })
}

/** The handler's headers go, with its payload: the reply becomes the 502 block page. */
function block(embedding: Embedding<FastifyRequestLike>, log: RequestLog, reply: FastifyReplyLike): string {
  clearHeaders(reply)
  reply.code(502)
  reply.header('content-type', 'text/html; charset=utf-8')
  reply.header('cache-control', 'no-store')
  return blockPageHtml(embedding, log.requestId)
}

function clearHeaders(reply: FastifyReplyLike): void {
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name)
  for (const name of reply.raw.getHeaderNames()) reply.raw.removeHeader(name)
}
