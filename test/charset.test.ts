import { readFileSync } from 'node:fs'
import t from 'tap'
import { chunkings } from './helpers/chunks.js'
import {
  CharsetDecoder,
  charsetFromContentType,
  getEncoding,
  prescanForEncoding,
} from '../src/html/charset.js'
import { scanMeta } from '../src/html/charset-prescan.js'
import { InvalidOptionError } from '../src/errors.js'

const ENCODING_DIR = new URL('fixtures/html5lib/encoding/', import.meta.url)

const SEED_COUNT = 25

function decodeAll(chunks: Uint8Array[], options?: ConstructorParameters<typeof CharsetDecoder>[0]) {
  const d = new CharsetDecoder(options)
  let text = ''
  for (const c of chunks) text += d.write(c)
  text += d.end()
  return { text, encoding: d.encoding, source: d.source, confidence: d.confidence }
}

// --- html5lib encoding tests -----------------------------------------------------------------------
/** `#data` … `#encoding` blocks; the newline before `#encoding` is the format's, not the data's. */
function readDat(name: string): { data: Buffer; expected: string }[] {
  const raw = readFileSync(new URL(name, ENCODING_DIR)).toString('latin1')
  return raw
    .split(/^#data\n/m)
    .slice(1)
    .map((block) => {
      const m = /^([\s\S]*?)\n#encoding\n([^\n]*)/.exec(block)
      if (m === null) throw new Error(`malformed block in ${name}`)
      return { data: Buffer.from(m[1] as string, 'latin1'), expected: m[2] as string }
    })
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

for (const file of ['tests1.dat', 'tests2.dat', 'test-yahoo-jp.dat']) {
  t.test(`html5lib encoding/${file}`, async (t) => {
    const cases = readDat(file)
    t.ok(cases.length > 0, 'has cases')
    cases.forEach(({ data, expected }, i) => {
      const want = getEncoding(expected)
      t.not(want, null, `case ${i}: expected "${expected}" is an encoding`)
      const prescan = prescanForEncoding(data)
      const decided = decodeAll([data])
      const name = `case ${i} ${JSON.stringify(data.subarray(0, 40).toString('latin1'))}`
      if (data.subarray(0, 3).equals(UTF8_BOM)) {
        // The BOM is sniffed before the prescan (§13.2.3.1 step 1) and wins over any <meta>.
        t.same([decided.encoding, decided.source], [want, 'bom'], `${name}: decided by the BOM`)
      } else if ((prescan ?? 'windows-1252') === want) {
        // The expected encoding is the prescan's answer, or — the prescan finding nothing — the
        // default these tests assume (their control case says so), which is CharsetDecoder's.
        t.equal(decided.encoding, want, `${name}: prescan (or the default) gives ${want}`)
        t.equal(decided.source, prescan === null ? 'default' : 'meta', `${name}: source`)
      } else {
        // Only a <meta> past the first 1024 bytes can be missed by the prescan; a browser finds it
        // later, while tree building, and "changes the encoding" (§13.2.3.4) because the confidence
        // is tentative. Proven here: the same scan without the 1024-byte bound finds exactly it.
        t.equal(prescan, null, `${name}: nothing in the first 1024 bytes`)
        t.equal(scanMeta(data), want, `${name}: the declaration is there, after byte 1024`)
        t.same([decided.encoding, decided.confidence], ['windows-1252', 'tentative'], `${name}: default`)
      }
    })
  })
}

t.test('html5lib encoding/scripted/tests1.dat', async (t) => {
  const cases = readDat('scripted/tests1.dat')
  t.equal(cases.length, 1)
  const [only] = cases
  // The <meta> is written by script: the prescan sees only `charset="ISO-8859-' + '2"`, which is
  // not a label, so it finds nothing; a browser's parser meets the written <meta> and changes the
  // encoding (§13.2.3.4). That needs script execution, which tagwarden does not do.
  t.equal(prescanForEncoding(only!.data), null, 'the prescan cannot see a script-written <meta>')
  t.equal(getEncoding(only!.expected), 'ISO-8859-2')
  t.equal(decodeAll([only!.data]).confidence, 'tentative', 'the default stays tentative')
})

// --- get an encoding ----------------------------------------------------------------------------------
t.test('getEncoding: Encoding Standard labels', async (t) => {
  const table: [string, string | null][] = [
    ['utf-8', 'UTF-8'],
    ['  UTF8\t', 'UTF-8'],
    ['unicode11utf8', 'UTF-8'],
    ['latin1', 'windows-1252'],
    ['ASCII', 'windows-1252'],
    ['iso-8859-1', 'windows-1252'],
    ['sjis', 'Shift_JIS'],
    ['ms932', 'Shift_JIS'],
    ['x-euc-jp', 'EUC-JP'],
    ['csiso2022jp', 'ISO-2022-JP'],
    ['gb2312', 'GBK'],
    ['chinese', 'GBK'],
    ['gb18030', 'gb18030'],
    ['big5-hkscs', 'Big5'],
    ['windows-949', 'EUC-KR'],
    ['koi8-ru', 'KOI8-U'],
    ['iso8859-2', 'ISO-8859-2'],
    ['iso-8859-16', 'ISO-8859-16'],
    ['logical', 'ISO-8859-8-I'],
    ['x-mac-ukrainian', 'x-mac-cyrillic'],
    ['utf-16', 'UTF-16LE'],
    ['unicodefffe', 'UTF-16BE'],
    ['x-user-defined', 'x-user-defined'],
    ['iso-2022-kr', 'replacement'],
    ['hz-gb-2312', 'replacement'],
    ['ISO-2022-CN-EXT', 'replacement'],
    ['replacement', 'replacement'],
    ['\f\r\n latin2 \n', 'ISO-8859-2'],
    // Only ASCII whitespace is stripped and only ASCII letters are folded.
    ['\vutf-8', null],
    ['utf-8\u00a0', null],
    ['\u212Aoi8-r', null], // KELVIN SIGN lowercases to "k" in JavaScript, not in the standard
    ['utf-7', null],
    ['utf-32', null],
    ['', null],
    ['bogus', null],
  ]
  for (const [label, name] of table) t.equal(getEncoding(label), name, JSON.stringify(label))
})

t.test('charsetFromContentType: Fetch "extract a MIME type" + "legacy extract an encoding"', async (t) => {
  const table: [string | undefined, string | null][] = [
    [undefined, null],
    ['text/html', null],
    ['text/html; charset=Shift_JIS', 'Shift_JIS'],
    ['TEXT/HTML;CHARSET="euc-jp"', 'EUC-JP'],
    ['text/html;charset="utf\\-8"', 'UTF-8'], // a quoted-pair
    ['text/html; charset=gbk; charset=big5', 'GBK'], // the first parameter wins
    ['text/html; charset=bogus', null],
    ['text/html; charset=', null],
    ['text/html; charset ="utf-8"', null], // the name is "charset " — not a token
    ['text/html;;charset=big5', 'Big5'],
    ['text/html; foo="a;charset=x"; charset=koi8-r', 'KOI8-R'],
    ['nonsense; charset=utf-8', null], // not a MIME type
    // Several Content-Type headers combined into one value:
    ['text/html; charset=gbk, text/html', 'GBK'], // same essence: the charset carries over
    ['text/html; charset=gbk, text/plain', null], // new essence: it is dropped
    ['text/plain; charset=gbk, text/html; charset=euc-kr', 'EUC-KR'],
    ['text/html; charset=gbk, */*', 'GBK'], // */* is skipped
    ['text/html; charset="a,b", text/html', null], // the comma inside quotes does not split
    ['text/html; charset=utf-16', 'UTF-16LE'],
    ['text/html; charset=iso-2022-kr', 'replacement'],
    ['text/html; charset=x-user-defined', 'x-user-defined'],
  ]
  for (const [value, want] of table) t.equal(charsetFromContentType(value), want, JSON.stringify(value))
})

t.test('prescan details', async (t) => {
  const p = (s: string) => prescanForEncoding(Buffer.from(s, 'latin1'))
  t.equal(p('<meta charset=x-user-defined>'), 'windows-1252', 'x-user-defined becomes windows-1252')
  t.equal(p('<meta charset=utf-16be>'), 'UTF-8', 'UTF-16 becomes UTF-8')
  t.equal(p('<meta charset=bogus charset=utf-8>'), null, 'a repeated attribute is ignored')
  t.equal(p('<meta charset=bogus content="text/html;charset=utf-8" http-equiv=content-type>'), null)
  t.equal(p('<meta/charset=koi8-r>'), 'KOI8-R', 'a slash also ends <meta')
  t.equal(p('<!--><meta charset=koi8-r>'), 'KOI8-R', 'the comment opener dashes can close it')
  t.equal(p('<? <meta charset=koi8-r> ?><meta charset=big5>'), 'Big5', '<? skips to the first >')
  t.equal(p('<?xml version="1.0" encoding="ISO-8859-5"?><p>'), 'ISO-8859-5', 'XML declaration')
  t.equal(p('<?xml version="1.0" encoding="utf-16"?>'), 'UTF-8', 'XML declaration, UTF-16')
  t.equal(p('<?xml version="1.0"?><meta charset=big5>'), 'Big5', 'a <meta> beats the declaration')
  t.equal(p('<?xml /> encoding="koi8-r"'), null, 'encoding after the declaration (whatwg/html#6939)')
  t.equal(p(' <?xml version="1.0" encoding="koi8-r"?>'), null, 'the declaration must be first')
  t.equal(prescanForEncoding(Buffer.from('<\0?\0x\0m\0l\0', 'latin1')), 'UTF-16LE')
  t.equal(prescanForEncoding(Buffer.from('\0<\0?\0x\0m\0l', 'latin1')), 'UTF-16BE')
  const far = `<!--${'x'.repeat(1010)}--><meta charset=big5>`
  t.equal(p(far), null, 'a <meta> crossing byte 1024 is not seen')
  t.equal(scanMeta(Buffer.from(far, 'latin1')), 'Big5', '(it is there)')
})

// --- pages in legacy encodings -------------------------------------------------------------------
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const ascii = (s: string) => Buffer.from(s, 'latin1')
/** Known byte sequences of known strings (checked against the browsers' tables). */
const SAMPLES: Record<string, [Buffer, string]> = {
  Shift_JIS: [hex('93FA967B8CEA 8341835E834A8369'), '日本語アタカナ'],
  'EUC-JP': [hex('C6FCCBDCB8EC A5A2A5BFA5ABA5CA'), '日本語アタカナ'],
  'ISO-2022-JP': [hex('1B2442 467C4B5C386C 1B2842'), '日本語'],
  GBK: [hex('D6D0CEC4 80'), '中文€'],
  gb18030: [hex('81308130 A2E3 9439FC36 D6D0CEC4'), '\u0080€😀中文'],
  Big5: [hex('A4A4A4E5'), '中文'],
  'EUC-KR': [hex('C7D1B1B9BEEE'), '한국어'],
  'windows-1251': [hex('CFF0E8E2E5F2'), 'Привет'],
  'windows-1252': [hex('636166E9 20 93 71756F746564 94 20 80 20 9F'), 'café “quoted” € Ÿ'],
}

function page(meta: string, body: Buffer): Buffer {
  const head = ascii(`<!DOCTYPE html><html><head>${meta}<title>`)
  const tail = ascii('</p><iframe src="https://evil.example/x"></iframe></body></html>\n')
  return Buffer.concat([head, body, ascii('</title></head><body><p>'), body, tail])
}
function pageText(meta: string, text: string): string {
  return `<!DOCTYPE html><html><head>${meta}<title>${text}</title></head><body><p>${text}</p><iframe src="https://evil.example/x"></iframe></body></html>\n`
}

interface PageCase {
  name: string
  bytes: Buffer
  text: string
  encoding: string
  source: string
  options?: { contentType?: string; defaultEncoding?: string }
}
const pages: PageCase[] = []
for (const [encoding, [bytes, text]] of Object.entries(SAMPLES)) {
  const meta = `<meta charset="${encoding}">`
  pages.push({
    name: `${encoding} by <meta charset>`,
    bytes: page(meta, bytes),
    text: pageText(meta, text),
    encoding,
    source: 'meta',
  })
  pages.push({
    name: `${encoding} by header`,
    bytes: page('', bytes),
    text: pageText('', text),
    encoding,
    source: 'header',
    options: { contentType: `text/html; charset=${encoding}` },
  })
}
{
  const pragma = '<meta http-equiv="Content-Type" content="text/html; charset=euc-jp">'
  const [bytes, text] = SAMPLES['EUC-JP']!
  pages.push({
    name: 'EUC-JP by http-equiv',
    bytes: page(pragma, bytes),
    text: pageText(pragma, text),
    encoding: 'EUC-JP',
    source: 'meta',
  })
}
{
  const text = pageText('', 'Grüße 日本語 😀')
  const le = Buffer.from(text, 'utf16le')
  const be = Buffer.from(le).swap16()
  pages.push({
    name: 'UTF-16LE with BOM',
    bytes: Buffer.concat([hex('FFFE'), le]),
    text,
    encoding: 'UTF-16LE',
    source: 'bom',
  })
  pages.push({
    name: 'UTF-16BE with BOM',
    bytes: Buffer.concat([hex('FEFF'), be]),
    text,
    encoding: 'UTF-16BE',
    source: 'bom',
  })
  pages.push({
    name: 'UTF-16 by header, no BOM',
    bytes: le,
    text,
    encoding: 'UTF-16LE',
    source: 'header',
    options: { contentType: 'text/html; charset=utf-16' },
  })
  const bomOverHeader = Buffer.concat([UTF8_BOM, Buffer.from(text, 'utf8')])
  pages.push({
    name: 'a BOM wins over the header',
    bytes: bomOverHeader,
    text,
    encoding: 'UTF-8',
    source: 'bom',
    options: { contentType: 'text/html; charset=windows-1252' },
  })
}
{
  const meta = '<meta charset="euc-jp">'
  const [bytes, text] = SAMPLES.Shift_JIS!
  pages.push({
    name: 'the header wins over <meta>',
    bytes: page(meta, bytes),
    text: pageText(meta, text),
    encoding: 'Shift_JIS',
    source: 'header',
    options: { contentType: 'text/html;charset=sjis' },
  })
  const [sjis, sjisText] = SAMPLES.Shift_JIS!
  pages.push({
    name: 'the default is configurable',
    bytes: page('', sjis),
    text: pageText('', sjisText),
    encoding: 'Shift_JIS',
    source: 'default',
    options: { defaultEncoding: 'shift_jis' },
  })
  const filler = `<!--${'x'.repeat(1100)}-->`
  const [cp1251] = SAMPLES['windows-1251']!
  const late = `${filler}<meta charset="windows-1251">`
  pages.push({
    name: 'a <meta> after byte 1024 is not seen',
    bytes: page(late, cp1251),
    text: pageText(late, cp1251.toString('latin1')), // these bytes are the same in windows-1252
    encoding: 'windows-1252',
    source: 'default',
  })
}

for (const c of pages) {
  t.test(`page: ${c.name}`, async (t) => {
    for (const [how, chunks] of chunkings(c.bytes, SEED_COUNT, 700)) {
      const got = decodeAll(chunks, c.options)
      if (got.text !== c.text || got.encoding !== c.encoding || got.source !== c.source) {
        t.fail(`${how}: got ${got.encoding}/${got.source}`, { found: got.text, wanted: c.text })
        return
      }
    }
    t.pass(`same text and decision whole, byte by byte and over ${SEED_COUNT} seeded chunkings`)
  })
}

t.test('replacement and x-user-defined', async (t) => {
  const r = decodeAll([ascii('<p>anything'), ascii(' at all')], {
    contentType: 'text/html; charset=iso-2022-kr',
  })
  t.same([r.text, r.encoding], ['\uFFFD', 'replacement'], 'one U+FFFD for the whole stream')
  t.equal(
    decodeAll([], { contentType: 'text/html; charset=hz-gb-2312' }).text,
    '',
    'nothing for an empty one',
  )
  const x = decodeAll([hex('41 80 FF')], { contentType: 'text/html; charset=x-user-defined' })
  t.equal(x.text, 'A\uF780\uF7FF', 'x-user-defined by header decodes to U+F780-U+F7FF')
})

t.test('the held prefix is bounded: text flows once 1024 bytes are in', async (t) => {
  const d = new CharsetDecoder()
  const bytes = ascii('a'.repeat(3000))
  let out = ''
  for (let i = 0; i < 1023; i++) out += d.write(bytes.subarray(i, i + 1))
  t.equal(out, '', 'nothing before the prescan has its 1024 bytes')
  t.equal(d.encoding, null)
  t.equal(d.write(bytes.subarray(1023, 1024)).length, 1024, 'all held text at byte 1024')
  t.equal(d.write(bytes.subarray(1024, 1025)), 'a', 'then straight through')
  t.same([d.encoding, d.source, d.confidence], ['windows-1252', 'default', 'tentative'])
})

t.test('a <meta> decides as soon as it is complete', async (t) => {
  const d = new CharsetDecoder()
  t.equal(d.write(ascii('<meta charset="koi8-r"')), '', 'not before its ">"')
  t.equal(d.write(ascii('>\xc1')), '<meta charset="koi8-r">а')
  t.equal(d.encoding, 'KOI8-R')
})

t.test('a BOM split across chunks is still a BOM', async (t) => {
  const d = new CharsetDecoder({ contentType: 'text/html; charset=iso-8859-2' })
  t.equal(d.write(hex('EF')), '')
  t.equal(d.write(hex('BB')), '')
  t.equal(d.write(hex('BF 41')), 'A')
  t.same([d.encoding, d.source, d.confidence], ['UTF-8', 'bom', 'certain'])
  const short = new CharsetDecoder()
  short.write(hex('EF BB'))
  t.equal(short.end(), '\u00ef\u00bb', 'a BOM prefix at the end is text')
})

t.test('options are checked', async (t) => {
  t.throws(() => new CharsetDecoder({ defaultEncoding: 'nope' }), InvalidOptionError)
  t.throws(() => new CharsetDecoder({ defaultEncoding: 'iso-2022-kr' }), InvalidOptionError)
  const d = new CharsetDecoder()
  d.end()
  t.throws(() => d.write(ascii('x')), { code: 'TW_ERR_INTERNAL' })
})
