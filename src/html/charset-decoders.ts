/**
 * Streaming decoders for every encoding of the Encoding Standard.
 *
 * Node 20's TextDecoder wraps stock ICU, which is not the standard's decoder (nodejs/node#61041,
 * #60888): since 20.18.3 it decodes windows-1252 — the HTML default — as ISO-8859-1 (0x80 → U+0080,
 * not €); it differs in single-byte tables (windows-874/1253/1255, KOI8-U, IBM866), in Big5 (HKSCS),
 * EUC-KR, EUC-JP, Shift_JIS and gb18030 byte pairs, in ISO-2022-JP error recovery (which decides
 * whether a `<` is text), and lacks ISO-8859-16 and x-user-defined. Text decides what the tokenizer
 * sees and what inline code hashes to, so the standard's decoders from @exodus/bytes are used: they
 * implement every decoder of the standard from its own index tables.
 */
import { TextDecoder } from '@exodus/bytes/encoding.js'

/** One decoder per stream: `decode(bytes, true)` while streaming, `decode(empty, false)` at the end. */
export interface StreamDecoder {
  decode(bytes: Uint8Array, stream: boolean): string
}

/** A streaming decoder for `encoding` (a name as returned by getEncoding). BOM handling is the caller's. */
export function createStreamDecoder(encoding: string): StreamDecoder {
  if (encoding === 'replacement') return new ReplacementDecoder()
  // UTF-8, the encoding of most pages, is the one Node decodes as the standard does (natively, and a
  // few times faster than the JavaScript decoders): test/charset-decoders.test.ts holds the two equal.
  const decoder =
    encoding === 'UTF-8' || encoding === 'utf-8'
      ? new globalThis.TextDecoder('utf-8', { fatal: false, ignoreBOM: true })
      : new TextDecoder(encoding, { fatal: false, ignoreBOM: true })
  return { decode: (bytes, stream) => decoder.decode(bytes, { stream }) }
}

/** Encoding Standard §14.1: one U+FFFD for a non-empty stream, then nothing (TextDecoder refuses it). */
class ReplacementDecoder implements StreamDecoder {
  private emitted = false
  decode(bytes: Uint8Array): string {
    if (this.emitted || bytes.length === 0) return ''
    this.emitted = true
    return '\uFFFD'
  }
}
