import type { TransformCallback } from 'node:stream'
import { Inspector } from '../inspect/node-stream.js'

/**
 * An Inspector that adds up the time it spends on each chunk, from the chunk entering it until it has
 * been judged: the `tagwarden_inspection_seconds` of one response. Time waiting for the upstream or
 * for the client is not counted; for a compressed body the decompression (libuv's threadpool) is.
 */
export class TimedInspector extends Inspector {
  #busy = 0n

  /** Seconds spent inspecting so far. */
  get seconds(): number {
    return Number(this.#busy) / 1e9
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, callback: TransformCallback): void {
    const start = process.hrtime.bigint()
    super._transform(chunk, encoding, (error, data) => {
      this.#busy += process.hrtime.bigint() - start
      callback(error, data)
    })
  }

  override _flush(callback: TransformCallback): void {
    const start = process.hrtime.bigint()
    super._flush((error, data) => {
      this.#busy += process.hrtime.bigint() - start
      callback(error, data)
    })
  }
}
