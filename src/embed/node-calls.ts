/**
 * Node's ServerResponse calls as the interception takes them apart, and the errors Node itself would
 * give for misuse, so that a handler behind tagwarden sees what it would see without it.
 */
import type { ServerResponse } from 'node:http'
import { AbortedError } from '../errors.js'

export type Callback = (error?: Error | null) => void

/** The getter of `name` below this object's own properties (Node's, or a layer's installed before). */
export function getterBelow(res: ServerResponse, name: string): () => boolean {
  for (let o: object | null = res; o !== null; o = Object.getPrototypeOf(o)) {
    const descriptor = Object.getOwnPropertyDescriptor(o, name)
    if (descriptor?.get) return () => Boolean(descriptor.get!.call(res))
    if (descriptor) return () => Boolean((res as unknown as Record<string, unknown>)[name])
  }
  return () => false
}

export function currentHeaders(res: ServerResponse): Map<string, unknown> {
  return new Map(Object.entries(res.getHeaders()))
}

/** The headers of `writeHead(status[, reason][, headers])`: an object or a flat `[name, value, …]` list. */
export function headersArgument(args: unknown[]): [string, unknown][] {
  const headers = typeof args[1] === 'string' ? args[2] : args[1]
  if (Array.isArray(headers)) {
    const out: [string, unknown][] = []
    for (let i = 0; i + 1 < headers.length; i += 2) out.push([String(headers[i]), headers[i + 1]])
    return out
  }
  if (headers !== null && typeof headers === 'object') return Object.entries(headers)
  return []
}

export function writeArguments(args: unknown[]): [unknown, BufferEncoding | undefined, Callback | undefined] {
  const [chunk, encoding, callback] = args
  if (typeof encoding === 'function') return [chunk, undefined, encoding as Callback]
  return [chunk, encoding as BufferEncoding | undefined, callback as Callback | undefined]
}

export function endArguments(args: unknown[]): [unknown, BufferEncoding | undefined, Callback | undefined] {
  if (typeof args[0] === 'function') return [undefined, undefined, args[0] as Callback]
  return writeArguments(args)
}

/** A chunk as Node's `write` takes it; anything else is refused with Node's own error code. */
export function toBuffer(chunk: unknown, encoding: BufferEncoding | undefined): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding ?? 'utf8')
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
  // The handler's misuse of Node's API: the error Node would throw, so that its callers see the same.
  throw Object.assign(
    new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array'),
    { code: 'ERR_INVALID_ARG_TYPE' },
  )
}

/** What Node throws for a second writeHead. */
export function headersSentError(): Error {
  return Object.assign(new Error('Cannot write headers after they are sent to the client'), {
    code: 'ERR_HTTP_HEADERS_SENT',
  })
}

/** A write that goes nowhere (the response was blocked or ended): as Node's on a destroyed response. */
export function discard(callback: Callback | undefined, why: string): false {
  if (callback) process.nextTick(callback, new AbortedError(`tagwarden: ${why}`))
  return false
}
