import t from 'tap'
import { createStreamDecoder } from '../src/html/charset-decoders.js'

const decode = (encoding: string, bytes: number[]): string => {
  const d = createStreamDecoder(encoding)
  return d.decode(Uint8Array.from(bytes), true) + d.decode(new Uint8Array(0), false)
}
const cps = (s: string) => [...s].map((c) => c.codePointAt(0))

// Node 20's TextDecoder decodes windows-1252 as ISO-8859-1 (nodejs/node#60888); the default must not.
t.test('windows-1252 is the standard index, not ISO-8859-1', async (t) => {
  const want = '€\x81‚ƒ„…†‡ˆ‰Š‹Œ\x8DŽ\x8F\x90‘’“”•–—˜™š›œ\x9DžŸ'
  t.equal(
    decode(
      'windows-1252',
      Array.from({ length: 32 }, (_, i) => 0x80 + i),
    ),
    want,
  )
  t.equal(decode('windows-1252', [0xa0, 0xe9, 0xff]), '\u00a0é\u00ff')
})

t.test('single-byte encodings: ASCII half is ASCII in every one (§9.1)', async (t) => {
  const ascii = Array.from({ length: 128 }, (_, i) => i)
  for (const enc of ['IBM866', 'KOI8-U', 'windows-874', 'ISO-8859-16', 'x-user-defined', 'macintosh']) {
    t.equal(decode(enc, ascii), String.fromCharCode(...ascii), enc)
  }
})

t.test('single-byte encodings where ICU differs from the standard indexes', async (t) => {
  const at = (enc: string, byte: number) => decode(enc, [byte]).codePointAt(0)
  t.equal(at('KOI8-U', 0xae), 0x045e, 'KOI8-U 0xAE is ў (KOI8-RU)')
  t.equal(at('KOI8-U', 0xbe), 0x040e, 'KOI8-U 0xBE is Ў')
  t.equal(at('windows-1255', 0xca), 0x05ba, 'windows-1255 0xCA')
  t.equal(at('windows-1253', 0xaa), 0xfffd, 'windows-1253 0xAA is unmapped')
  for (const b of [0xdb, 0xdc, 0xdd, 0xde, 0xfc, 0xfd, 0xfe, 0xff]) {
    t.equal(at('windows-874', b), 0xfffd, `windows-874 0x${b.toString(16)} is unmapped`)
  }
  t.equal(at('windows-874', 0xdf), 0x0e3f, 'windows-874 0xDF is ฿')
  t.same(
    cps(decode('ISO-8859-16', [0xa1, 0xa4, 0xaa, 0xde, 0xfe, 0xff])),
    [0x104, 0x20ac, 0x218, 0x21a, 0x21b, 0xff],
  )
  t.same(cps(decode('x-user-defined', [0x80, 0xff])), [0xf780, 0xf7ff])
  t.equal(at('IBM866', 0x80), 0x0410, 'IBM866 0x80 is А')
})

t.test('GBK decodes with the gb18030 decoder (§10.1.1)', async (t) => {
  const fourByte = [0x81, 0x30, 0x81, 0x30, 0x94, 0x39, 0xfc, 0x36]
  t.equal(decode('GBK', fourByte), decode('gb18030', fourByte))
  t.equal(decode('GBK', fourByte), '\u0080😀')
})

t.test('Shift_JIS: ASCII control bytes are themselves', async (t) => {
  t.equal(decode('Shift_JIS', [0x1a, 0x1c, 0x7f, 0x41]), '\x1a\x1c\x7f\x41')
  t.equal(decode('Shift_JIS', [0x93, 0xfa, 0x1a, 0x96, 0x7b]), '日\x1a本')
})

t.test('ISO-2022-JP follows §12.2.1, error recovery included', async (t) => {
  const vectors: [number[], string][] = [
    [[0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42, 0x3c], '日本<'],
    [[0x1b, 0x28, 0x4a, 0x5c, 0x7e], '\u00a5\u203e'],
    [[0x1b, 0x28, 0x49, 0x21, 0x5f], '\uff61\uff9f'],
    [[0x1b, 0x24], '\uFFFD$'], // ICU gets this wrong
    [[0x1b, 0x24, 0x40, 0x1b, 0x24], '\uFFFD\uFFFD'],
    [[0x1b, 0x24, 0x3c, 0x61], '\uFFFD$<a'], // an unknown escape gives its bytes back as text
    [[0x1b, 0x28, 0x42, 0x1b, 0x28, 0x42, 0x41], '\uFFFDA'], // two escapes in a row: an error
    [[0x1b, 0x24, 0x42, 0x46], '\uFFFD'], // a lone lead byte at the end
    [[0x1b, 0x24, 0x42, 0x46, 0x0a, 0x3c], '\uFFFD\uFFFD'], // a newline in JIS mode is an error, `<` a lead
    [[0x0e, 0x41], '\uFFFDA'],
    [[0x1b], '\uFFFD'],
    [[0x1b, 0x28], '\uFFFD('],
  ]
  for (const [bytes, want] of vectors) {
    t.equal(decode('ISO-2022-JP', bytes), want, bytes.map((b) => b.toString(16)).join(' '))
    // Byte by byte gives the same text: state carries across chunks.
    const d = createStreamDecoder('ISO-2022-JP')
    let s = ''
    for (const b of bytes) s += d.decode(Uint8Array.of(b), true)
    t.equal(s + d.decode(new Uint8Array(0), false), want, 'byte by byte')
  }
})

t.test('replacement: one U+FFFD for a non-empty stream', async (t) => {
  const d = createStreamDecoder('replacement')
  t.equal(
    d.decode(Uint8Array.of(1, 2), true) +
      d.decode(Uint8Array.of(3), true) +
      d.decode(new Uint8Array(0), false),
    '\uFFFD',
  )
})

t.test('multi-byte pairs where ICU differs from the standard indexes', async (t) => {
  t.equal(
    decode('Big5', [0x88, 0x62, 0x88, 0x64]),
    '\u00ca\u0304\u00ca\u030c',
    'Big5 HKSCS pairs decode to two code points',
  )
  t.equal(decode('Shift_JIS', [0x80]), '\u0080', 'Shift_JIS 0x80 is U+0080')
})

// No byte below 0x40 that HTML gives meaning to may be swallowed into a multi-byte character.
t.test('multi-byte decoders never swallow markup bytes', async (t) => {
  const markup = [0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x21, 0x22, 0x26, 0x27, 0x2d, 0x2f, 0x3c, 0x3d, 0x3e, 0x3f]
  const prefixes: number[][] = []
  for (let lead = 0x80; lead <= 0xff; lead++) prefixes.push([lead])
  for (let lead = 0x81; lead <= 0xfe; lead += 5)
    prefixes.push([lead, 0x30], [lead, 0x30, 0x81], [lead, 0x30, 0xfe])
  for (const enc of ['Shift_JIS', 'EUC-JP', 'EUC-KR', 'Big5', 'GBK', 'gb18030']) {
    let bad = 0
    for (const prefix of prefixes) {
      for (const m of markup) {
        const s = decode(enc, [...prefix, m, 0x41])
        if (!s.endsWith(String.fromCharCode(m) + 'A')) bad++
      }
    }
    t.equal(bad, 0, `${enc}: every markup byte survives every lead byte`)
  }
})

t.test(
  "UTF-8: Node's native decoder, used for speed, decodes as the standard's at every split",
  async (t) => {
    const { TextDecoder: StandardDecoder } = await import('@exodus/bytes/encoding.js')
    const samples = [
      [0x3c, 0x70, 0x3e, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], // <p>é€😀
      [0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xf8, 0x88, 0x80, 0x80, 0x80], // overlong, 5-byte
      [0xed, 0xa0, 0x80, 0xed, 0xbf, 0xbf, 0xf4, 0x90, 0x80, 0x80], // surrogates, > U+10FFFF
      [0xe2, 0x82, 0x3c, 0xf0, 0x9f, 0x98, 0x3e, 0x80, 0xbf, 0xc3], // truncated before markup, lone tails
    ]
    for (const bytes of samples.map((s) => Uint8Array.from(s))) {
      for (let split = 0; split <= bytes.length; split++) {
        const decode = (decoder: { decode(b: Uint8Array, stream: boolean): string }) =>
          decoder.decode(bytes.subarray(0, split), true) +
          decoder.decode(bytes.subarray(split), true) +
          decoder.decode(new Uint8Array(0), false)
        const standard = new StandardDecoder('utf-8', { ignoreBOM: true })
        t.equal(
          decode(createStreamDecoder('UTF-8')),
          decode({ decode: (b, stream) => standard.decode(b, { stream }) }),
          `${Buffer.from(bytes).toString('hex')} split at ${split}`,
        )
      }
    }
  },
)
