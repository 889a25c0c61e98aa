/**
 * HTML Standard §13.2.3.2 "prescan a byte stream to determine its encoding", step for step, with
 * its "get an attribute" and "get an XML encoding" sub-algorithms, and the "algorithm for
 * extracting a character encoding from a meta element" (HTML Standard, "URLs and fetching").
 */
import { getEncoding, isUtf16 } from './charset-labels.js'

/** §13.2.3.1 step 3: "encouraged to use the prescan algorithm … on the first 1024 bytes". */
export const PRESCAN_BYTES = 1024

/** The prescan "runs out of bytes": the position went past the end of what it was given. */
export const OUT_OF_BYTES: unique symbol = Symbol('out of bytes')

class OutOfBytes extends Error {}

const LT = 0x3c
const GT = 0x3e
const SLASH = 0x2f
const EQ = 0x3d
const DQ = 0x22
const SQ = 0x27

/** 0x09 0x0A 0x0C 0x0D 0x20: the prescan's notion of space. */
function isSpace(b: number): boolean {
  return b === 0x09 || b === 0x0a || b === 0x0c || b === 0x0d || b === 0x20
}
function isAlpha(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)
}
/** Bytes become code points of the same value; only A-Z is lowered (ASCII lowercase). */
function lowerChar(b: number): string {
  return String.fromCharCode(b >= 0x41 && b <= 0x5a ? b + 0x20 : b)
}

/**
 * The encoding the prescan finds in `bytes` (only the first 1024 are read), or null for failure.
 * UTF-16BE/LE from a `<meta>` become UTF-8 and x-user-defined becomes windows-1252 (steps 14-15);
 * a UTF-16 XML declaration at the very start yields UTF-16LE/BE (step 2).
 */
export function prescanForEncoding(bytes: Uint8Array): string | null {
  const input = bytes.subarray(0, PRESCAN_BYTES)
  const found = scanMeta(input)
  // "If at any point … the user agent … runs out of bytes … or reaches its end condition, then
  // abort … and return the result of get an XML encoding applied to the same bytes."
  return found === OUT_OF_BYTES ? getXmlEncoding(input) : found
}

/**
 * The prescan's loop over `input` (steps 1-4). Returns the encoding it settles on, or OUT_OF_BYTES
 * when it runs off the end. An encoding is final: it was decided by bytes before the end, so more
 * bytes cannot change it — which lets the streaming decoder stop holding bytes early.
 */
export function scanMeta(input: Uint8Array): string | typeof OUT_OF_BYTES {
  const n = input.length
  // Step 2: "Prescan for UTF-16 XML declarations".
  if (startsWith(input, 0, [0x3c, 0x00, 0x3f, 0x00, 0x78, 0x00])) return 'UTF-16LE'
  if (startsWith(input, 0, [0x00, 0x3c, 0x00, 0x3f, 0x00, 0x78])) return 'UTF-16BE'
  const at = (i: number): number => {
    if (i >= n) throw new OutOfBytes()
    return input[i] as number
  }
  try {
    let pos = 0
    for (;;) {
      if (at(pos) === LT) {
        if (startsWith(input, pos, [LT, 0x21, 0x2d, 0x2d])) {
          // `<!--`: to the first `>` preceded by `--`; the `--` may be the comment opener's own.
          let p = pos + 4
          while (!(at(p) === GT && input[p - 1] === 0x2d && input[p - 2] === 0x2d)) p++
          pos = p
        } else if (isMetaStart(input, pos)) {
          const result = meta(input, pos + 5, at)
          if (result.encoding !== null) return result.encoding
          pos = result.pos
        } else if (isAlpha(at(pos + 1)) || (input[pos + 1] === SLASH && isAlpha(at(pos + 2)))) {
          // Any other tag: skip its name, then its attributes, exactly as `get an attribute` reads them.
          let p = pos + 1
          while (!isSpace(at(p)) && at(p) !== GT) p++
          const cursor = { pos: p }
          while (getAttribute(input, cursor, at) !== null);
          pos = cursor.pos
        } else if (input[pos + 1] === 0x21 || input[pos + 1] === SLASH || input[pos + 1] === 0x3f) {
          // `<!`, `</`, `<?`: to the first `>` after the `<`.
          let p = pos + 2
          while (at(p) !== GT) p++
          pos = p
        }
      }
      pos++ // "Next byte"
    }
  } catch (e) {
    if (e instanceof OutOfBytes) return OUT_OF_BYTES
    throw e
  }
}

/** Case-insensitive `<meta` followed by a space or slash. */
function isMetaStart(input: Uint8Array, pos: number): boolean {
  if (pos + 5 >= input.length) return false
  const name = String.fromCharCode(...input.subarray(pos + 1, pos + 5)).toLowerCase()
  const next = input[pos + 5] as number
  return name === 'meta' && (isSpace(next) || next === SLASH)
}

const NULL_VALUE = Symbol('null')

/** The `<meta` branch of step 3; `pos` is at the space or slash after `<meta`. */
function meta(
  input: Uint8Array,
  pos: number,
  at: (i: number) => number,
): { encoding: string | null; pos: number } {
  const seen = new Set<string>()
  let gotPragma = false
  let needPragma: boolean | null = null
  // Null (not yet set) is distinct from failure (an unrecognised label) — step 5.
  let charset: string | null | typeof NULL_VALUE = NULL_VALUE
  const cursor = { pos }
  for (let attr = getAttribute(input, cursor, at); attr !== null; attr = getAttribute(input, cursor, at)) {
    if (seen.has(attr.name)) continue
    seen.add(attr.name)
    if (attr.name === 'http-equiv') {
      if (attr.value === 'content-type') gotPragma = true
    } else if (attr.name === 'content') {
      const extracted = extractEncodingFromMeta(attr.value)
      if (extracted !== null && charset === NULL_VALUE) {
        charset = extracted
        needPragma = true
      }
    } else if (attr.name === 'charset') {
      charset = getEncoding(attr.value)
      needPragma = false
    }
  }
  // "Processing" steps 11-16.
  if (needPragma === null || (needPragma && !gotPragma) || charset === null || charset === NULL_VALUE) {
    return { encoding: null, pos: cursor.pos }
  }
  if (isUtf16(charset)) return { encoding: 'UTF-8', pos: cursor.pos }
  if (charset === 'x-user-defined') return { encoding: 'windows-1252', pos: cursor.pos }
  return { encoding: charset, pos: cursor.pos }
}

/** "Get an attribute": null when there is none (the cursor then rests on the `>`). */
function getAttribute(
  input: Uint8Array,
  cursor: { pos: number },
  at: (i: number) => number,
): { name: string; value: string } | null {
  let p = cursor.pos
  // Step 1: skip spaces and slashes. Step 2: `>` means no attribute.
  while (isSpace(at(p)) || at(p) === SLASH) p++
  if (at(p) === GT) {
    cursor.pos = p
    return null
  }
  let name = ''
  let value = ''
  const done = (): { name: string; value: string } => {
    cursor.pos = p
    return { name, value }
  }
  // Steps 4-5: the name. A leading `=` is part of it ("longer than the empty string").
  for (;;) {
    const b = at(p)
    if (b === EQ && name !== '') {
      p++
      break
    }
    if (isSpace(b)) {
      // Steps 6-8 ("spaces"): an `=` after the spaces still gives a value.
      while (isSpace(at(p))) p++
      if (at(p) !== EQ) return done()
      p++
      break
    }
    if (b === SLASH || b === GT) return done()
    name += lowerChar(b)
    p++
  }
  // Steps 9-10 ("value").
  while (isSpace(at(p))) p++
  const first = at(p)
  if (first === DQ || first === SQ) {
    for (p++; at(p) !== first; p++) value += lowerChar(input[p] as number)
    p++
    return done()
  }
  if (first === GT) return done()
  value += lowerChar(first)
  p++
  // Steps 11-12: an unquoted value ends at a space or `>`.
  while (!isSpace(at(p)) && at(p) !== GT) value += lowerChar(input[p++] as number)
  return done()
}

/**
 * HTML Standard "algorithm for extracting a character encoding from a meta element" (§2.6.1 of
 * "urls and fetching"): the encoding named by `charset=` in a `content` value, or null for
 * "nothing" and for a label that is not an encoding.
 */
export function extractEncodingFromMeta(s: string): string | null {
  const lower = s.replace(/[A-Z]/g, (c) => c.toLowerCase())
  let pos = 0
  for (;;) {
    const found = lower.indexOf('charset', pos)
    if (found < 0) return null
    pos = found + 7
    while (pos < s.length && isSpace(s.charCodeAt(pos))) pos++
    if (s[pos] !== '=') continue // "jump back to the step labeled loop", from just before it
    pos++
    while (pos < s.length && isSpace(s.charCodeAt(pos))) pos++
    if (pos >= s.length) return null
    const c = s[pos] as string
    if (c === '"' || c === "'") {
      const close = s.indexOf(c, pos + 1)
      return close < 0 ? null : getEncoding(s.slice(pos + 1, close))
    }
    let end = pos
    while (end < s.length && !isSpace(s.charCodeAt(end)) && s[end] !== ';') end++
    return getEncoding(s.slice(pos, end))
  }
}

/**
 * "Get an XML encoding" (used when the prescan aborts). The search for `encoding` stops at the
 * declaration's `>`: the spec computes xmlDeclarationEnd for that and, by an editorial slip, never
 * uses it; the editor confirmed the intent in whatwg/html#6939.
 */
export function getXmlEncoding(input: Uint8Array): string | null {
  if (!startsWith(input, 0, [0x3c, 0x3f, 0x78, 0x6d, 0x6c])) return null
  const end = input.indexOf(GT)
  if (end < 0) return null
  const decl = input.subarray(0, end)
  let p = indexOfBytes(decl, [0x65, 0x6e, 0x63, 0x6f, 0x64, 0x69, 0x6e, 0x67])
  if (p < 0) return null
  p += 8
  while (p < decl.length && (decl[p] as number) <= 0x20) p++
  if (decl[p] !== EQ) return null
  p++
  while (p < decl.length && (decl[p] as number) <= 0x20) p++
  const quote = decl[p]
  if (quote !== DQ && quote !== SQ) return null
  const close = decl.indexOf(quote, p + 1)
  if (close < 0) return null
  const potential = decl.subarray(p + 1, close)
  if (potential.some((b) => b <= 0x20)) return null
  const encoding = getEncoding(String.fromCharCode(...potential))
  return encoding !== null && isUtf16(encoding) ? 'UTF-8' : encoding
}

function startsWith(input: Uint8Array, pos: number, seq: readonly number[]): boolean {
  if (pos + seq.length > input.length) return false
  for (let i = 0; i < seq.length; i++) if (input[pos + i] !== seq[i]) return false
  return true
}

function indexOfBytes(input: Uint8Array, seq: readonly number[]): number {
  for (let i = 0; i + seq.length <= input.length; i++) if (startsWith(input, i, seq)) return i
  return -1
}
