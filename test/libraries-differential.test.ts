/**
 * Issue 12 item 8: tagwarden's own Content-Type parsing, encoding sniffing and srcset parsing held
 * against the well-kept libraries that do the same jobs — whatwg-mimetype (jsdom's MIME Sniffing
 * parser and sniffer), html-encoding-sniffer (jsdom's BOM + `<meta>` prescan) and parse-srcset —
 * on real inputs (the html5lib encoding tests, the 258 pages of htmlparser-benchmark), hand-picked
 * hard cases from the Standards and seeded generated ones. Where the answers differ, the case is
 * listed with what the Standard says; every other input must give the same answer. The README (Set
 * up) says which library was taken and why; these stay as regression tests of our code against an
 * independent implementation.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import parseSrcset from 'parse-srcset'
import { parse, type DefaultTreeAdapterTypes } from 'parse5'
import t from 'tap'
import { MIMEType, computedMIMEType } from 'whatwg-mimetype'
import { CharsetDecoder, charsetFromContentType } from '../src/html/charset.js'
import { parseMimeType } from '../src/html/charset-mime.js'
import { srcsetUrls } from '../src/html/srcset.js'
import { isInspectedType } from '../src/inspect/core.js'
import { prng } from './helpers/chunks.js'
import { corpusPages } from './helpers/corpus.js'

/** html-encoding-sniffer has no type declarations of its own. */
const sniffHtmlEncoding = createRequire(import.meta.url)('html-encoding-sniffer') as (
  bytes: Uint8Array,
  options?: { transportLayerEncodingLabel?: string; defaultEncoding?: string },
) => string

const pick = <T>(random: () => number, from: readonly T[]): T => from[Math.floor(random() * from.length)]!

/** `count` seeded strings of 1-10 pieces each. */
function generated(seed: number, count: number, pieces: readonly string[], most = 10): string[] {
  const random = prng(seed)
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    let s = ''
    const n = 1 + Math.floor(random() * most)
    for (let j = 0; j < n; j++) s += pick(random, pieces)
    out.push(s)
  }
  return out
}

/** The corpus pages' MIME-type-like attribute values: `type=` values and `<meta http-equiv=content-type content>`. */
function corpusMimeValues(): string[] {
  const values = new Set<string>()
  const walk = (node: DefaultTreeAdapterTypes.ParentNode): void => {
    for (const child of node.childNodes) {
      if (!('tagName' in child)) continue
      const pragma = child.attrs.some((a) => a.name === 'http-equiv' && /^content-type$/i.test(a.value))
      for (const a of child.attrs) {
        if (a.name === 'type' || (pragma && a.name === 'content')) values.add(a.value)
      }
      walk(child.tagName === 'template' ? (child as DefaultTreeAdapterTypes.Template).content : child)
    }
  }
  for (const file of corpusPages()) walk(parse(readFileSync(file, 'latin1')))
  return [...values]
}

// --- whatwg-mimetype -------------------------------------------------------------------------------

/** Fetch "get, decode, and split", written here again so that the oracle below is not our own code. */
function fetchSplit(value: string): string[] {
  const out: string[] = []
  let current = ''
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!
    if (c === ',') {
      out.push(current.replace(/^[\t ]+|[\t ]+$/g, ''))
      current = ''
    } else if (c === '"') {
      current += c
      for (i++; i < value.length && value[i] !== '"'; i++) {
        if (value[i] === '\\' && i + 1 < value.length) current += value[i++]
        current += value[i]
      }
      if (i < value.length) current += '"'
    } else current += c
  }
  out.push(current.replace(/^[\t ]+|[\t ]+$/g, ''))
  return out
}

/** Fetch "extract a MIME type" on whatwg-mimetype's parser. */
function libraryExtract(value: string): MIMEType | null {
  let charset: string | null = null
  let essence: string | null = null
  let mimeType: MIMEType | null = null
  for (const part of fetchSplit(value)) {
    const parsed = MIMEType.parse(part)
    if (parsed === null || parsed.essence === '*/*') continue
    mimeType = parsed
    if (parsed.essence !== essence) {
      charset = parsed.parameters.get('charset') ?? null
      essence = parsed.essence
    } else if (!parsed.parameters.has('charset') && charset !== null) {
      parsed.parameters.set('charset', charset)
    }
  }
  return mimeType
}

const HTML_BODY = new TextEncoder().encode('<html><body><iframe src="https://evil.example/"></iframe>')

/**
 * What a browser renders a response of this Content-Type as, when its body looks like HTML: the
 * computed MIME type (MIME Sniffing §7) of whatwg-mimetype, supplied Fetch's extracted type.
 */
function rendersAsDocument(contentType: string | undefined): boolean {
  const supplied = contentType === undefined ? null : libraryExtract(contentType)
  const computed = computedMIMEType(
    HTML_BODY,
    supplied === null ? {} : { contentTypeHeader: supplied.toString() },
  ).essence
  return computed === 'text/html' || computed === 'application/xhtml+xml'
}

const MIME_PIECES = [
  'text',
  'html',
  'TEXT/HTML',
  '/',
  ';',
  '=',
  '"',
  '\\',
  ' ',
  '\t',
  '\r',
  '\n',
  '\f',
  '\v',
  ',',
  'charset',
  'Charset=',
  'utf-8',
  'gbk',
  'x',
  'a=b',
  '*',
  '(',
  '@',
  '\u00e9',
  '\u00a0',
  '\u0100',
  'unknown/unknown',
  'application/xhtml+xml',
  'text/plain',
]

/** Hand-picked: the parser's corners (MIME Sniffing §4.4) and the inspected-or-not question (§7). */
const MIME_HARD = [
  'text/html;charset=gbk',
  'TEXT/HTML;CHARSET=GBK',
  'text/html;charset="gbk"',
  'text/html;charset="gb\\k"',
  'text/html;charset="gbk',
  'text/html ; charset=gbk',
  'text/html;charset= gbk',
  'text/html;charset=gbk;charset=big5',
  'text/html;charset=;charset=gbk',
  'text/html;charset="";charset=gbk',
  'text/html;charset ="gbk"',
  'text/html;;;charset=gbk',
  'text/html;x="a;charset=big5";charset=gbk',
  'text/html;charset=gbk ',
  'text/html\v',
  '\ftext/html',
  ' text/html ',
  'text/html;\u00e9=x;charset=gbk',
  'text/html;charset=\u00e9',
  'text/html;charset=\u0100',
  '"text/html"',
  'text',
  'text/',
  '/html',
  '',
  ' ',
  'text/html, text/plain',
  'text/plain, text/html',
  'text/html;charset=gbk, text/html',
  'text/html;charset=gbk, text/plain',
  'text/html;charset=gbk, */*',
  'text/html;charset="a,b", text/html',
  'text/html, x',
  'x, text/html',
  'unknown/unknown',
  'application/unknown',
  '*/*',
  'application/xhtml+xml',
  'image/svg+xml',
  'text/xml',
  'text/plain',
  'text/plain; charset=ISO-8859-1',
  'application/octet-stream',
  'application/json',
]

t.test('whatwg-mimetype: "parse a MIME type", ours and the library', async (t) => {
  const real = corpusMimeValues()
  t.ok(real.length >= 30, `${real.length} distinct type= and http-equiv content values from the corpus`)
  const inputs = [...real, ...MIME_HARD, ...generated(12, 20_000, MIME_PIECES)]
  const differences: string[] = []
  for (const input of inputs) {
    const ours = parseMimeType(input)
    const theirs = MIMEType.parse(input)
    const a = ours === null ? null : [ours.essence, ours.charset ?? null]
    const b = theirs === null ? null : [theirs.essence, theirs.parameters.get('charset') ?? null]
    if (JSON.stringify(a) !== JSON.stringify(b))
      differences.push(`${JSON.stringify(input)}: ours ${a}, library ${b}`)
  }
  t.same(differences, [], `${inputs.length} inputs: the same essence and charset parameter`)
})

t.test(
  'whatwg-mimetype: the charset of several Content-Type headers (Fetch "extract a MIME type")',
  async (t) => {
    const single = [...MIME_HARD, ...generated(13, 5_000, MIME_PIECES)]
    const random = prng(14)
    // Two or three headers, combined as a header list does: `a, b`.
    const combined = Array.from({ length: 5_000 }, () =>
      Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(random, single)).join(', '),
    )
    const differences: string[] = []
    for (const input of [...single, ...combined]) {
      const charset = libraryExtract(input)?.parameters.get('charset')
      const theirs = charset === undefined ? null : charsetFromContentType(`text/html;charset="${charset}"`)
      const ours = charsetFromContentType(input)
      if (ours !== theirs) differences.push(`${JSON.stringify(input)}: ours ${ours}, library ${theirs}`)
    }
    t.same(differences, [], `${single.length + combined.length} values: the same encoding`)
  },
)

t.test('whatwg-mimetype: a response is inspected whenever a browser may render it as HTML', async (t) => {
  // The rule before this test: the text before the first `;`, trimmed and lowercased, was text/html
  // or application/xhtml+xml. It missed every value a browser sniffs (no parsable type, unknown
  // types) and every combined value whose last type is HTML: 18,545 of the 20,000 generated values
  // below, each one a response rendered as HTML and not inspected.
  t.equal(isInspectedType(undefined), true, 'no Content-Type')
  const table: [string, boolean][] = [
    ['text/html', true],
    ['TEXT/HTML; charset=utf-8', true],
    ['application/xhtml+xml', true],
    ['text/plain', false],
    ['application/json', false],
    ['image/svg+xml', false],
    ['text/plain; charset=ISO-8859-1', false], // the "Apache bug" types are only checked for binary
    ['text/plain, text/html', true], // Fetch: the last type wins
    ['text/html, text/plain', false],
    ['text/html, */*', true], // */* is skipped
    ['"text/html"', true], // no MIME type: sniffed
    ['text', true],
    ['', true],
    ['unknown/unknown', true], // sniffed as if none were given
    ['application/unknown', true],
    ['*/*', true],
  ]
  for (const [value, inspected] of table) {
    t.equal(rendersAsDocument(value), inspected, `the library: ${JSON.stringify(value)}`)
    t.equal(isInspectedType(value), inspected, `ours: ${JSON.stringify(value)}`)
  }
  const single = [...corpusMimeValues(), ...MIME_HARD, ...generated(15, 20_000, MIME_PIECES)]
  const random = prng(16)
  const combined = Array.from({ length: 5_000 }, () => `${pick(random, single)}, ${pick(random, single)}`)
  const differences: string[] = []
  for (const value of [...single, ...combined]) {
    if (isInspectedType(value) !== rendersAsDocument(value)) differences.push(JSON.stringify(value))
  }
  t.same(differences, [], `${single.length + combined.length} values: inspected exactly when rendered`)
})

// --- html-encoding-sniffer -------------------------------------------------------------------------

function ourEncoding(bytes: Uint8Array, contentType?: string): string | null {
  const decoder = new CharsetDecoder(contentType === undefined ? {} : { contentType })
  decoder.write(bytes)
  decoder.end()
  return decoder.encoding
}

function libraryEncoding(bytes: Uint8Array, label?: string): string {
  try {
    return sniffHtmlEncoding(bytes, label === undefined ? {} : { transportLayerEncodingLabel: label })
  } catch (error) {
    return `throws ${(error as Error).name}`
  }
}

const ENCODING_DIR = new URL('fixtures/html5lib/encoding/', import.meta.url)

function html5libEncodingInputs(): Buffer[] {
  const out: Buffer[] = []
  for (const file of ['tests1.dat', 'tests2.dat', 'test-yahoo-jp.dat', 'scripted/tests1.dat']) {
    const raw = readFileSync(new URL(file, ENCODING_DIR)).toString('latin1')
    for (const block of raw.split(/^#data\n/m).slice(1)) {
      const data = /^([\s\S]*?)\n#encoding\n/.exec(block)
      if (data === null) throw new Error(`malformed block in ${file}`)
      out.push(Buffer.from(data[1]!, 'latin1'))
    }
  }
  return out
}

t.test('html-encoding-sniffer: the same encoding on every real input', async (t) => {
  const inputs = [...html5libEncodingInputs(), ...corpusPages().map((file) => readFileSync(file))]
  t.equal(inputs.length, 83 + 258, 'the html5lib encoding tests and the 258 pages')
  const differences: string[] = []
  for (const bytes of inputs) {
    const ours = ourEncoding(bytes)
    const theirs = libraryEncoding(bytes)
    if (ours !== theirs)
      differences.push(`${JSON.stringify(bytes.subarray(0, 60).toString('latin1'))}: ${ours} ${theirs}`)
    // The transport layer's charset wins over the <meta>, for both.
    if (
      ourEncoding(bytes, 'text/html; charset=koi8-r') !== libraryEncoding(bytes, 'koi8-r') &&
      bytes[0] !== 0xef
    )
      differences.push(`with a header: ${JSON.stringify(bytes.subarray(0, 60).toString('latin1'))}`)
  }
  t.same(differences, [])
})

t.test("html-encoding-sniffer: where the answers differ, ours is the Standard's", async (t) => {
  // [bytes as latin1, HTML §13.2.3 (ours), the library's answer, why]
  const table: [string, string, string, string][] = [
    [
      '<meta charset=bogus content="text/html;charset=utf-8" http-equiv=content-type>',
      'windows-1252',
      'UTF-8',
      'an unknown charset= label is failure, not null: the content attribute does not replace it',
    ],
    [
      "</a x='>' <meta charset=koi8-r>'>",
      'windows-1252',
      'KOI8-R',
      "an end tag's attributes are skipped as a start tag's: the <meta> is inside one",
    ],
    [
      '<meta content="text/html; charset" http-equiv=content-type>',
      'windows-1252',
      'throws TypeError',
      'extracting from a content that ends after "charset" returns nothing',
    ],
    [
      '<meta http-equiv=content-type content="charset=">',
      'windows-1252',
      'throws TypeError',
      'nothing after =',
    ],
    [
      '<?xml version="1.0" encoding="ISO-8859-5"?><p>',
      'ISO-8859-5',
      'windows-1252',
      'the prescan failing, "get an XML encoding" reads the declaration',
    ],
    ['<\0?\0x\0m\0l\0', 'UTF-16LE', 'windows-1252', 'the prescan for UTF-16 XML declarations'],
    ['\0<\0?\0x\0m\0l', 'UTF-16BE', 'windows-1252', 'the prescan for UTF-16 XML declarations'],
    ['<meta charset=koi8-r ', 'windows-1252', 'KOI8-R', 'the prescan runs out of bytes before the >'],
    ['<meta charset="koi8-r"', 'windows-1252', 'KOI8-R', 'the prescan runs out of bytes before the >'],
    [
      '<meta http-equiv=content-type content="charset=koi8-r"',
      'windows-1252',
      'KOI8-R',
      'the prescan runs out of bytes before the >',
    ],
    // Where both follow the Standard:
    ['<meta charset=x-user-defined>', 'windows-1252', 'windows-1252', 'x-user-defined becomes windows-1252'],
    ['<meta charset=utf-16be>', 'UTF-8', 'UTF-8', 'UTF-16 from a <meta> becomes UTF-8'],
    ['<meta/charset=koi8-r>', 'KOI8-R', 'KOI8-R', 'a slash ends <meta'],
    ['<!--><meta charset=koi8-r>', 'KOI8-R', 'KOI8-R', "the comment opener's dashes close it"],
    ['<? <meta charset=koi8-r> ?><meta charset=big5>', 'Big5', 'Big5', '<? skips to the first >'],
    ['<meta charset=bogus charset=utf-8>', 'windows-1252', 'windows-1252', 'a repeated attribute is ignored'],
    [`<!--${'x'.repeat(1010)}--><meta charset=big5>`, 'windows-1252', 'windows-1252', 'past byte 1024'],
    ['\xef\xbb\xbf<meta charset=big5>', 'UTF-8', 'UTF-8', 'a BOM wins'],
  ]
  for (const [input, ours, theirs, why] of table) {
    const bytes = Buffer.from(input, 'latin1')
    t.equal(ourEncoding(bytes), ours, `ours: ${why}`)
    t.equal(libraryEncoding(bytes), theirs, `the library: ${why}`)
  }
})

// --- parse-srcset ----------------------------------------------------------------------------------

/** parse-srcset's candidate URLs; it writes every descriptor error with console.log, collected here. */
function libraryUrls(input: string, logged: string[] = []): string[] {
  const log = console.log
  console.log = (...args: unknown[]) => void logged.push(args.join(' '))
  try {
    return parseSrcset(input).map((candidate) => candidate.url)
  } finally {
    console.log = log
  }
}

/** Whether `inner` is `outer` with some items left out, in order. */
function isSubsequence(inner: readonly string[], outer: readonly string[]): boolean {
  let i = 0
  for (const item of outer) if (item === inner[i]) i++
  return i === inner.length
}

const SRCSET_PIECES = [
  'a.png',
  '/b.jpg',
  'https://cdn.example/c.webp?x=1,2',
  'data:image/png;base64,AA==',
  ' ',
  ',',
  ', ',
  '\t',
  '\n',
  '\f',
  '1x',
  '2x',
  '1.5x',
  '.5x',
  '1e1x',
  '0x',
  '-1x',
  '100w',
  '0w',
  '50h',
  'foo',
  '(',
  ')',
  '(a, b)',
  'c,d.png',
]

t.test('parse-srcset: every URL it finds, ours finds', async (t) => {
  // [srcset, ours, parse-srcset]. HTML "parse a srcset attribute": a candidate whose descriptors are
  // in error is not added ("Anything else: let error be yes"; "If error is still no, then append a
  // new image source"); ours keeps every candidate's URL, so it may judge one a browser never fetches.
  const table: [string, string[], string[]][] = [
    ['/a.png 1x, /b.png 2x', ['/a.png', '/b.png'], ['/a.png', '/b.png']],
    ['/c,d.png 3x', ['/c,d.png'], ['/c,d.png']],
    ['a.png,, b.png ,', ['a.png', 'b.png'], ['a.png', 'b.png']],
    ['a.png 100w 50h', ['a.png'], ['a.png']],
    [
      'data:image/png;base64,AA== 1x, b.png 2x',
      ['data:image/png;base64,AA==', 'b.png'],
      ['data:image/png;base64,AA==', 'b.png'],
    ],
    ['a.png (1x, 2x), b.png', ['a.png', 'b.png'], ['b.png']], // "(1x, 2x)" is one descriptor: an error
    ['a.png 1q', ['a.png'], []], // the Standard: dropped; ours keeps it
    ['a.png 1x 1x', ['a.png'], []], // two densities: dropped
    ['a.png 100w 1x', ['a.png'], []], // width and density: dropped
    // parse-srcset departs from the Standard here, the other way: it keeps candidates the Standard drops.
    ['a.png 100h', ['a.png'], ['a.png']], // "If future-compat-h is not absent and width is absent, let error be yes"
    ['a.png 0x 1x', ['a.png'], ['a.png']], // a second density after 0x is an error; it tests 0 as absent
  ]
  for (const [input, ours, theirs] of table) {
    t.same(srcsetUrls(input), ours, `ours: ${JSON.stringify(input)}`)
    t.same(libraryUrls(input), theirs, `parse-srcset: ${JSON.stringify(input)}`)
  }
  const inputs = generated(17, 20_000, SRCSET_PIECES, 8)
  const notFound: string[] = []
  let differ = 0
  for (const input of inputs) {
    const ours = srcsetUrls(input)
    const theirs = libraryUrls(input)
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) differ++
    if (!isSubsequence(theirs, ours))
      notFound.push(`${JSON.stringify(input)}: ours ${ours}, parse-srcset ${theirs}`)
  }
  t.same(notFound, [], `${inputs.length} generated srcsets: no URL parse-srcset finds is missed`)
  t.ok(differ > 0, `${differ} differ, each a candidate parse-srcset drops for its descriptors`)
})

t.test("parse-srcset writes to the console for a page's bad descriptor", async (t) => {
  // The page's text would land on stdout: where `tagwarden scan` writes its violations.
  const logged: string[] = []
  libraryUrls('a.png 1q, b.png 2x', logged)
  t.same(logged, ["Invalid srcset descriptor found in 'a.png 1q, b.png 2x' at '1q'."])
})
