/**
 * The Chrome DevTools Protocol over `--remote-debugging-pipe`: the browser reads commands on its fd 3
 * and writes replies and events on its fd 4, each message one JSON text ended by a NUL byte. No
 * WebSocket, no port, no dependency. Sessions are "flattened" (Target.attachToTarget `flatten: true`):
 * a page's commands and events carry its `sessionId` on the one pipe.
 */
import type { ChildProcess } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'

export type CdpParams = Record<string, unknown>
// CDP results and event parameters are JSON objects whose shape the caller knows.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CdpResult = any

interface Pending {
  resolve: (result: CdpResult) => void
  reject: (error: Error) => void
  method: string
}

export type EventListener = (params: CdpResult, sessionId: string | undefined) => void

export class CdpError extends Error {
  override name = 'CdpError'
}

export class CdpPipe {
  readonly #in: Writable
  readonly #pending = new Map<number, Pending>()
  readonly #listeners = new Map<string, Set<EventListener>>()
  #nextId = 1
  #buffered: Buffer[] = []
  #closed: Error | null = null

  constructor(child: ChildProcess) {
    const toBrowser = child.stdio[3] as Writable | null | undefined
    const fromBrowser = child.stdio[4] as Readable | null | undefined
    if (!toBrowser || !fromBrowser) throw new CdpError('the browser was not started with pipes on fd 3 and 4')
    this.#in = toBrowser
    // A write after the browser died raises EPIPE on the socket: the exit handler reports it.
    toBrowser.on('error', () => {})
    fromBrowser.on('data', (chunk: Buffer) => this.#read(chunk))
    fromBrowser.on('error', () => {})
  }

  /** Send one command; resolves with its result, rejects with its protocol error. */
  send(method: string, params: CdpParams = {}, sessionId?: string): Promise<CdpResult> {
    if (this.#closed !== null) return Promise.reject(this.#closed)
    const id = this.#nextId++
    const message = sessionId === undefined ? { id, method, params } : { id, method, params, sessionId }
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, method })
      this.#in.write(JSON.stringify(message) + '\0')
    })
  }

  /** Listen to an event (`Domain.event`) of every session; the listener gets the session id. */
  on(event: string, listener: EventListener): () => void {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  }

  /** The browser is gone: every command in flight, and every later one, fails with `reason`. */
  close(reason: Error): void {
    if (this.#closed !== null) return
    this.#closed = reason
    for (const p of this.#pending.values()) p.reject(reason)
    this.#pending.clear()
  }

  #read(chunk: Buffer): void {
    let at = 0
    for (let nul = chunk.indexOf(0); nul !== -1; nul = chunk.indexOf(0, at)) {
      this.#buffered.push(chunk.subarray(at, nul))
      const text = Buffer.concat(this.#buffered).toString('utf8')
      this.#buffered = []
      at = nul + 1
      this.#dispatch(JSON.parse(text) as CdpResult)
    }
    if (at < chunk.length) this.#buffered.push(chunk.subarray(at))
  }

  #dispatch(message: {
    id?: number
    result?: unknown
    error?: { message: string; code: number }
    method?: string
    params?: unknown
    sessionId?: string
  }): void {
    if (message.id !== undefined) {
      const pending = this.#pending.get(message.id)
      if (pending === undefined) return
      this.#pending.delete(message.id)
      if (message.error !== undefined)
        pending.reject(new CdpError(`${pending.method}: ${message.error.message} (${message.error.code})`))
      else pending.resolve(message.result)
      return
    }
    if (message.method === undefined) return
    const listeners = this.#listeners.get(message.method)
    if (listeners === undefined) return
    for (const listener of listeners) listener(message.params, message.sessionId)
  }
}
