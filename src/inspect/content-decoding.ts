/**
 * Bounded, incremental undoing of the response's Content-Encoding (RFC 9110 §8.4): `gzip`,
 * `x-gzip`, `deflate` (zlib-wrapped or raw, as browsers accept it) and `br`, stacked in any order.
 *
 * Every write returns all the output its input makes decodable: each stage is flushed (zlib
 * Z_SYNC_FLUSH, brotli BROTLI_OPERATION_FLUSH) after each write, so nothing the inspector could
 * already see is held back in a decompressor.
 *
 * Bounds: `maxDecodedBytes` caps the output (of every stage, so a stacked coding cannot hide a bomb
 * in a middle stage) and `maxInflationRatio` caps output ÷ input once the output passes
 * INFLATION_RATIO_FLOOR (1 MiB): small bodies legitimately compress far beyond any sane ratio
 * (64 KiB of spaces gzip to ~100 bytes), a bomb cannot stay under the floor and be a bomb. On
 * either, the zlib/brotli streams are destroyed from inside the output handler — decompression
 * stops within one output chunk — and the write rejects with a LimitError.
 *
 * Truncated input: write() has already returned every decodable byte, which is exactly what a
 * browser renders of a truncated body; end() then rejects with a ContentDecodingError so the caller
 * knows the body was cut (whether that blocks is the inspector's decision). A gzip body missing
 * only its CRC/size trailer counts as truncated: Node's zlib does not tell the two apart.
 */
import zlib from 'node:zlib'
import { AbortedError, ContentDecodingError, LimitError, UnsupportedEncodingError } from '../errors.js'

export type ContentCoding = 'gzip' | 'deflate' | 'br'

export interface ContentDecoderOptions {
  /** Most bytes any stage may output in total. Default: DEFAULT_MAX_DECODED_BYTES (64 MiB). */
  maxDecodedBytes?: number
  /** Most output bytes per input byte once the output passes 1 MiB. Default: DEFAULT_MAX_INFLATION_RATIO (100). */
  maxInflationRatio?: number
}

export const DEFAULT_MAX_DECODED_BYTES = 64 * 1024 * 1024
export const DEFAULT_MAX_INFLATION_RATIO = 100
/** Output below this is never judged by its ratio. */
export const INFLATION_RATIO_FLOOR = 1024 * 1024
/** zlib output buffer size: the granularity of output chunks and of stopping a bomb. */
const CHUNK_SIZE = 64 * 1024

type Decompressor = zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress

const CODINGS: Record<string, ContentCoding | null> = {
  gzip: 'gzip',
  'x-gzip': 'gzip',
  deflate: 'deflate',
  br: 'br',
  identity: null,
}

/**
 * The codings of a Content-Encoding value in the order they must be undone: the header lists them
 * in the order they were applied (RFC 9110 §8.4), so the last is undone first. `identity` and
 * empty members are dropped; anything else unknown throws UnsupportedEncodingError.
 */
export function parseContentEncoding(header: string | undefined): ContentCoding[] {
  if (header === undefined) return []
  const codings: ContentCoding[] = []
  for (const member of header.split(',')) {
    const name = member.trim().toLowerCase()
    if (name === '') continue
    const coding = CODINGS[name]
    if (coding === undefined) throw new UnsupportedEncodingError(`unsupported content-encoding "${name}"`)
    if (coding !== null) codings.push(coding)
  }
  return codings.reverse()
}

/** A ContentDecoder for the header, or null when there is nothing to undo (identity: bypass it). */
export function createContentDecoder(
  header: string | undefined,
  options: ContentDecoderOptions = {},
): ContentDecoder | null {
  const codings = parseContentEncoding(header)
  return codings.length === 0 ? null : new ContentDecoder(codings, options)
}

/** One coding's decompressor, created lazily (`deflate` needs two bytes to choose its kind). */
class Stage {
  stream: Decompressor | null = null
  output = 0
  private sniffed: Buffer | null = null
  private collected: Buffer[] = []
  private pending: ((err: Error | null) => void) | null = null
  /** An error raised while no run was waiting; the next run reports it. */
  private failed: Error | null = null

  constructor(
    private readonly coding: ContentCoding,
    private readonly onOutput: (stage: Stage, bytes: number) => Error | null,
  ) {}

  /** Feeds `inputs`, then flushes (or ends, when `final`); resolves with all output produced. */
  async run(inputs: Buffer[], final: boolean): Promise<Buffer[]> {
    if (this.failed !== null) throw this.failed
    for (const input of inputs) this.feed(input)
    if (this.stream === null) {
      // No input yet, or `deflate` with fewer than two bytes. An empty body decodes to nothing,
      // as in browsers (HEAD and 204/304 answers often carry a Content-Encoding).
      if (!final || this.sniffed === null) return []
      this.open(this.sniffed)
    }
    const stream = this.stream as Decompressor
    await new Promise<void>((resolve, reject) => {
      this.pending = (err) => (err === null ? resolve() : reject(err))
      if (final) {
        stream.once('end', () => this.settle(null))
        stream.end()
      } else {
        stream.flush(
          this.coding === 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH,
          () => this.settle(null),
        )
      }
    })
    // A chunk pushed while the readable side was busy is delivered on a later tick.
    while (!final && stream.readableLength > 0) await new Promise((r) => setImmediate(r))
    const out = this.collected
    this.collected = []
    return out
  }

  /** Fails the pending run, if any (destroy, limit, or a zlib error). */
  settle(err: Error | null): void {
    const pending = this.pending
    this.pending = null
    if (pending !== null) pending(err)
    else if (err !== null) this.failed ??= err
  }

  destroy(): void {
    this.stream?.destroy()
  }

  /** True once no zlib/brotli handle is left open (never opened, or closed after destroy/end). */
  get released(): boolean {
    return this.stream === null || this.stream.closed
  }

  private feed(input: Buffer): void {
    if (input.length === 0) return
    if (this.stream === null) {
      // RFC 1950 header: CM = 8, CINFO ≤ 7, and CMF·256 + FLG a multiple of 31. Otherwise the
      // body is raw deflate (RFC 1951), which servers send as `deflate` and browsers accept.
      this.sniffed = this.sniffed === null ? input : Buffer.concat([this.sniffed, input])
      if (this.coding === 'deflate' && this.sniffed.length < 2) return
      const first = this.sniffed
      this.sniffed = null
      this.open(first)
      return
    }
    this.stream.write(input)
  }

  private open(first: Buffer): void {
    const o = { chunkSize: CHUNK_SIZE }
    let stream: Decompressor
    if (this.coding === 'gzip') stream = zlib.createGunzip(o)
    else if (this.coding === 'br') stream = zlib.createBrotliDecompress(o)
    else {
      const [cmf = 0, flg = 0] = first
      const zlibWrapped = (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (cmf * 256 + flg) % 31 === 0
      stream = zlibWrapped ? zlib.createInflate(o) : zlib.createInflateRaw(o)
    }
    stream.on('data', (chunk: Buffer) => {
      this.collected.push(chunk)
      this.output += chunk.length
      const err = this.onOutput(this, chunk.length)
      if (err !== null) this.settle(err)
    })
    stream.on('error', (err: Error) => {
      const truncated = /unexpected end of file/i.test(err.message)
      const message = truncated
        ? 'the compressed body is truncated'
        : `the compressed body is corrupt: ${err.message}`
      this.settle(new ContentDecodingError(`${this.coding}: ${message}`, { cause: err }))
    })
    this.stream = stream
    stream.write(first)
  }
}

/** Undoes stacked content codings chunk by chunk within the configured bounds. */
export class ContentDecoder {
  readonly codings: readonly ContentCoding[]
  /** Compressed bytes written so far. */
  encodedBytes = 0
  private readonly stages: Stage[]
  private readonly maxDecodedBytes: number
  private readonly maxInflationRatio: number
  private failure: Error | null = null
  private busy: Promise<unknown> = Promise.resolve()

  constructor(codings: readonly ContentCoding[], options: ContentDecoderOptions = {}) {
    this.codings = codings
    this.maxDecodedBytes = options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES
    this.maxInflationRatio = options.maxInflationRatio ?? DEFAULT_MAX_INFLATION_RATIO
    this.stages = codings.map((c) => new Stage(c, (stage) => this.check(stage)))
  }

  /** Decoded bytes returned so far (the last stage's output). */
  get decodedBytes(): number {
    return this.stages[this.stages.length - 1]?.output ?? 0
  }

  /** True once every zlib/brotli handle is closed ('close' follows destroy() within a tick or two). */
  get released(): boolean {
    return this.stages.every((stage) => stage.released)
  }

  /** Decompresses `chunk`; resolves with all the output it makes decodable (zlib's own buffers). */
  write(chunk: Uint8Array): Promise<Buffer[]> {
    this.encodedBytes += chunk.length
    const input = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    return this.queue(() => this.pass([input], false))
  }

  /** Ends the input; rejects with ContentDecodingError if the body was cut short. */
  end(): Promise<Buffer[]> {
    return this.queue(() => this.pass([], true))
  }

  /** Stops decompressing and releases the zlib handles; a pending write rejects. Safe to repeat. */
  destroy(): void {
    this.fail(new AbortedError('content decoding was destroyed'))
  }

  private queue(task: () => Promise<Buffer[]>): Promise<Buffer[]> {
    const run = this.busy.then(() => (this.failure !== null ? Promise.reject(this.failure) : task()))
    this.busy = run.catch(() => undefined)
    return run
  }

  private async pass(inputs: Buffer[], final: boolean): Promise<Buffer[]> {
    let data = inputs
    try {
      for (const stage of this.stages) data = await stage.run(data, final)
    } catch (err) {
      this.fail(err as Error)
      throw this.failure
    }
    if (final) this.fail(null)
    return data
  }

  /** Called for every output chunk of every stage: the bounds are enforced here, synchronously. */
  private check(stage: Stage): Error | null {
    if (stage.output > this.maxDecodedBytes) {
      return this.fail(
        new LimitError(`decoded body exceeds maxDecodedBytes (${this.maxDecodedBytes})`, 'maxDecodedBytes'),
      )
    }
    if (stage.output > INFLATION_RATIO_FLOOR && stage.output > this.maxInflationRatio * this.encodedBytes) {
      return this.fail(
        new LimitError(
          `decoded body exceeds maxInflationRatio (${this.maxInflationRatio}:1 past ${INFLATION_RATIO_FLOOR} bytes)`,
          'maxInflationRatio',
        ),
      )
    }
    return null
  }

  /** Records the first failure (null: a clean end), destroys every stage and fails pending runs. */
  private fail(err: Error | null): Error {
    if (this.failure === null) this.failure = err ?? new AbortedError('content decoding has ended')
    for (const stage of this.stages) {
      stage.destroy()
      stage.settle(this.failure)
    }
    return this.failure
  }
}
