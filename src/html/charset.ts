/**
 * Deciding and decoding a document's character encoding as a browser does: HTML Standard
 * §13.2.3.1 "the encoding sniffing algorithm" (BOM, then the transport layer's charset, then the
 * `<meta>` prescan of the first 1024 bytes, then a default) and Encoding Standard decoders.
 *
 * Not done here: §13.2.3.4 "change the encoding while parsing", which the tree builder triggers for
 * a `<meta charset>` it meets while the confidence is tentative (e.g. one after byte 1024). The
 * decoder exposes `confidence` so the parser side can detect that case.
 */
import { InvalidOptionError, TagwardenError } from '../errors.js'
import { createStreamDecoder, type StreamDecoder } from './charset-decoders.js'
import { getEncoding } from './charset-labels.js'
import { charsetFromContentType } from './charset-mime.js'
import { OUT_OF_BYTES, PRESCAN_BYTES, prescanForEncoding, scanMeta } from './charset-prescan.js'

export { getEncoding } from './charset-labels.js'
export { charsetFromContentType } from './charset-mime.js'
export { prescanForEncoding } from './charset-prescan.js'

/** Where the encoding came from, in the order the sniffing algorithm tries them. */
export type EncodingSource = 'bom' | 'header' | 'meta' | 'default'
/** HTML's "confidence": certain for a BOM or the header, tentative for the prescan or the default. */
export type EncodingConfidence = 'certain' | 'tentative'

export interface CharsetDecoderOptions {
  /** The response's Content-Type header value; its charset is the transport layer's encoding. Default: none. */
  contentType?: string
  /**
   * Label of the encoding used when no BOM, header charset or `<meta>` decides, like a browser's
   * locale default (§13.2.3.1 step 9). Default: `'windows-1252'`. Must be an Encoding Standard label
   * other than one of `replacement`.
   */
  defaultEncoding?: string
}

/** BOM sniffing (Encoding Standard §6 "BOM sniff"): byte sequence → encoding. */
const BOMS: ReadonlyArray<readonly [readonly number[], string]> = [
  [[0xef, 0xbb, 0xbf], 'UTF-8'],
  [[0xfe, 0xff], 'UTF-16BE'],
  [[0xff, 0xfe], 'UTF-16LE'],
]

/**
 * A streaming decoder that decides the encoding as a browser does, then decodes. It holds at most
 * the first 1024 bytes (plus the chunk being written) until it has decided; the BOM is not part of
 * the text. Chunks are held by reference until then: do not reuse a written buffer.
 */
export class CharsetDecoder {
  /** The encoding's name (e.g. `Shift_JIS`), or null before it is decided. */
  encoding: string | null = null
  source: EncodingSource | null = null
  confidence: EncodingConfidence | null = null

  private readonly headerEncoding: string | null
  private readonly defaultEncoding: string
  private held: Uint8Array[] = []
  private heldBytes = 0
  private decoder: StreamDecoder | null = null
  private ended = false

  constructor(options: CharsetDecoderOptions = {}) {
    const label = options.defaultEncoding ?? 'windows-1252'
    const encoding = getEncoding(label)
    if (encoding === null || encoding === 'replacement') {
      throw new InvalidOptionError(`defaultEncoding: "${label}" is not a usable Encoding Standard label`)
    }
    this.defaultEncoding = encoding
    this.headerEncoding = charsetFromContentType(options.contentType)
  }

  /** Decodes a chunk; returns '' while the encoding is still undecided (bytes are held). */
  write(chunk: Uint8Array): string {
    if (this.ended) throw new TagwardenError('CharsetDecoder: write after end')
    if (this.decoder !== null) return this.decoder.decode(chunk, true)
    if (chunk.length === 0) return ''
    this.held.push(chunk)
    this.heldBytes += chunk.length
    return this.decide(false) ? this.drain() : ''
  }

  /** Flushes: decides with what arrived if still undecided, and ends the decoder's stream. */
  end(): string {
    if (this.ended) return ''
    this.ended = true
    let out = ''
    if (this.decoder === null) {
      this.decide(true)
      out = this.drain()
    }
    return out + (this.decoder as StreamDecoder).decode(new Uint8Array(0), false)
  }

  /** §13.2.3.1: settles the encoding if the held bytes (or the end of the stream) allow it. */
  private decide(final: boolean): boolean {
    const head = this.prefix(PRESCAN_BYTES)
    // Step 1: a BOM wins over everything, even the header.
    for (const [bom, encoding] of BOMS) {
      if (bom.every((b, i) => head[i] === b)) {
        this.skip(bom.length)
        return this.settle(encoding, 'bom')
      }
    }
    if (!final && head.length < 3 && BOMS.some(([bom]) => head.every((b, i) => bom[i] === b))) return false
    // Step 4: the transport layer's encoding.
    if (this.headerEncoding !== null) return this.settle(this.headerEncoding, 'header')
    // Step 5: the prescan. A `<meta>` it finds before running out of bytes is final at once;
    // otherwise it needs its 1024 bytes (or the end) so the answer does not depend on chunking.
    const early = scanMeta(head)
    if (early !== OUT_OF_BYTES) return this.settle(early, 'meta')
    if (!final && head.length < PRESCAN_BYTES) return false
    const found = prescanForEncoding(head)
    return found !== null ? this.settle(found, 'meta') : this.settle(this.defaultEncoding, 'default')
  }

  private settle(encoding: string, source: EncodingSource): true {
    this.encoding = encoding
    this.source = source
    this.confidence = source === 'bom' || source === 'header' ? 'certain' : 'tentative'
    this.decoder = createStreamDecoder(encoding)
    return true
  }

  private drain(): string {
    const decoder = this.decoder as StreamDecoder
    let out = ''
    for (const chunk of this.held) out += decoder.decode(chunk, true)
    this.held = []
    this.heldBytes = 0
    return out
  }

  /** The first `n` held bytes as one array (copied only when they span chunks). */
  private prefix(n: number): Uint8Array {
    const first = this.held[0]
    if (first === undefined) return new Uint8Array(0)
    if (first.length >= n || this.held.length === 1) return first.subarray(0, n)
    const out = new Uint8Array(Math.min(n, this.heldBytes))
    let at = 0
    for (const chunk of this.held) {
      if (at >= out.length) break
      const part = chunk.subarray(0, out.length - at)
      out.set(part, at)
      at += part.length
    }
    return out
  }

  /** Drops the first `n` held bytes (the BOM), which may span chunks. */
  private skip(n: number): void {
    while (n > 0) {
      const first = this.held[0] as Uint8Array
      if (first.length <= n) {
        this.held.shift()
        n -= first.length
      } else {
        this.held[0] = first.subarray(n)
        n = 0
      }
    }
  }
}
