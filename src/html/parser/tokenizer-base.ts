/**
 * The tokenizer's fields and the helpers every group of states shares. The states themselves are in
 * `tokenizer-markup.ts` (comments, DOCTYPE), `tokenizer-tags.ts` (tags, attributes), `tokenizer-text.ts`
 * (data, RCDATA, RAWTEXT, script data, PLAINTEXT, CDATA) and `tokenizer.ts` (the loop, the public API).
 * They are one class chain so that the one object V8 sees stays monomorphic.
 *
 * Input is read from `buffer` by index; names, values and comment data are slices of it, appended to
 * what earlier writes left (`a += buffer.slice(i, j)` builds a rope, so a token spread over many writes
 * costs linear time). No state re-reads input it has consumed; only an undecided lookahead of a few
 * code units is carried into the next write (see `tokenizer-states.ts`).
 */
import type { Attribute, DoctypeToken, TagToken, TokenSink } from './tokens.js'
import {
  MAX_NAME_RUN,
  NUMERIC_LIMIT,
  NamedReferenceDecoder,
  hexDigitValue,
  isAsciiAlphanumeric,
  numericReferenceText,
} from './char-refs.js'
import { LineCounter } from './line-counter.js'
import { State } from './tokenizer-states.js'

/**
 * The `attrs` of every tag without attributes: one frozen array, so that a sink that tries to add to it
 * fails loudly instead of adding attributes to every later tag. Sinks must not mutate `attrs`.
 */
export const NO_ATTRIBUTES: Attribute[] = Object.freeze([]) as unknown as Attribute[]

/** From this many attributes on, duplicate names are looked up in a Set (no quadratic tags). */
const ATTRIBUTE_SET_THRESHOLD = 32

const NUL_PATTERN = /\0/g
const UPPER_PATTERN = /[A-Z]/g
const NON_ASCII_PATTERN = /[^\0-\x7f]/

/** What `characterReference` found. */
export const Reference = {
  /** The `&` is an ordinary character; go on reading after it. */
  None: -1,
  /** The write ended before the reference could be decided: carry it into the next write. */
  NeedMore: -2,
  /** A numeric reference's digits run to the end of the write: the tokenizer is in state 78 or 79. */
  Pending: -3,
} as const

/** Lower-cases ASCII letters only (§13.2.5.8 and others: "ASCII upper alpha"); `toLowerCase` does more. */
export function asciiLowerCase(text: string): string {
  return NON_ASCII_PATTERN.test(text) ? text.replace(UPPER_PATTERN, lowerCaseOne) : text.toLowerCase()
}

function lowerCaseOne(letter: string): string {
  return letter.toLowerCase()
}

export function isAsciiAlpha(c: number): boolean {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a
}

/** Tab, LF, FF, space: the Standard's whitespace in the tokenizer once CR is normalised away. */
export function isTokenizerWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c
}

export abstract class TokenizerBase {
  /** §13.2.5.42: kept current by the tree builder. */
  allowCdata = false

  protected readonly sink: TokenSink
  protected state: number = State.Data
  /** The state a character reference returns to (§13.2.5.72 "return state"). */
  protected returnState: number = State.Data
  /** True while `end()` reads the last carried input: running out of input is then end of file. */
  protected final = false

  // Input.
  protected buffer = ''
  /** Stream offset (after newline normalisation) of `buffer[0]`. */
  protected base = 0
  /** Undecided input carried into the next write. */
  protected carry = ''
  /** The current buffer holds U+0000: slices are checked for it. */
  protected hasNul = false
  /** Index of the next `<` / `&` in `buffer` at or after the last index asked about (buffer length: none). */
  protected nextLessThan = -1
  protected nextAmpersand = -1

  // The tag being read.
  protected tagName = ''
  protected isEndTag = false
  protected selfClosing = false
  protected attributes: Attribute[] = NO_ATTRIBUTES
  protected attributeNames: Set<string> | null = null
  protected attributeName = ''
  /** The attribute whose value is being read: in `attributes`, or a throwaway for a duplicate name. */
  protected attribute: Attribute = { name: '', value: '' }
  protected lastStartTagName = ''
  protected readonly startTagToken: TagToken = { name: '', attrs: NO_ATTRIBUTES, selfClosing: false }
  protected readonly endTagToken: TagToken = { name: '', attrs: NO_ATTRIBUTES, selfClosing: false }

  // The comment or DOCTYPE being read.
  protected commentData = ''
  protected doctypeName: string | null = null
  protected publicId: string | null = null
  protected systemId: string | null = null
  protected forceQuirks = false

  // Character references.
  protected readonly namedReferences = new NamedReferenceDecoder()
  protected referenceText = ''
  protected referenceValue = 0

  // Positions.
  /** Stream offset where the token being read started (its `<`, `&` or `]`). */
  protected tokenStart = 0
  /** Stream offset just after the last token emitted. */
  protected tokenEnd = 0
  protected readonly lines = new LineCounter()

  constructor(sink: TokenSink) {
    this.sink = sink
  }

  /** `buffer[start, end)`, with U+0000 replaced by U+FFFD (every state but data and CDATA does that). */
  protected cut(buffer: string, start: number, end: number): string {
    const text = buffer.slice(start, end)
    return this.hasNul ? text.replace(NUL_PATTERN, '\uFFFD') : text
  }

  /** A tag, attribute or DOCTYPE name: U+0000 replaced, ASCII upper case lowered. */
  protected cutName(buffer: string, start: number, end: number, hasUpper: boolean): string {
    const text = this.cut(buffer, start, end)
    return hasUpper ? asciiLowerCase(text) : text
  }

  protected lessThanAt(buffer: string, from: number): number {
    let at = this.nextLessThan
    if (at < from) {
      at = buffer.indexOf('<', from)
      this.nextLessThan = at = at === -1 ? buffer.length : at
    }
    return at
  }

  protected ampersandAt(buffer: string, from: number): number {
    let at = this.nextAmpersand
    if (at < from) {
      at = buffer.indexOf('&', from)
      this.nextAmpersand = at = at === -1 ? buffer.length : at
    }
    return at
  }

  /**
   * Keep `buffer[from…]` for the next write; returns the index that ends this one. The token being read
   * (see `tokenLength`) starts where it started, or at `from` when that is set by the caller.
   */
  protected carryFrom(buffer: string, from: number): number {
    this.carry = buffer.slice(from)
    return buffer.length
  }

  protected emitCharacters(text: string, end: number): void {
    this.tokenEnd = this.base + end
    this.sink.characters(text)
  }

  // Tags.

  protected beginTag(isEndTag: boolean, start: number): void {
    this.isEndTag = isEndTag
    this.tokenStart = this.base + start
  }

  /** Emit the current tag; `end` is the index just after its `>`. */
  protected emitTag(end: number): number {
    const isEndTag = this.isEndTag
    const token = isEndTag ? this.endTagToken : this.startTagToken
    token.name = this.tagName
    token.attrs = this.attributes
    token.selfClosing = this.selfClosing
    this.tagName = ''
    this.attributes = NO_ATTRIBUTES
    this.attributeNames = null
    this.selfClosing = false
    this.state = State.Data
    this.tokenEnd = this.base + end
    if (isEndTag) {
      this.sink.endTag(token)
    } else {
      this.lastStartTagName = token.name
      // The tree builder may call switchTo() from here.
      this.sink.startTag(token)
    }
    return end
  }

  /**
   * §13.2.5.33: on leaving the attribute name state, an attribute whose name is already on the tag is
   * a duplicate-attribute parse error and is dropped (its value is still read, into a throwaway).
   */
  protected finishAttributeName(): void {
    const name = this.attributeName
    this.attributeName = ''
    const attributes = this.attributes
    const attribute: Attribute = { name, value: '' }
    this.attribute = attribute
    if (attributes === NO_ATTRIBUTES) {
      this.attributes = [attribute]
      return
    }
    if (attributes.length < ATTRIBUTE_SET_THRESHOLD) {
      for (let k = 0; k < attributes.length; k++) if (attributes[k]!.name === name) return
    } else {
      let names = this.attributeNames
      if (names === null) names = this.attributeNames = new Set(attributes.map((a) => a.name))
      if (names.has(name)) return
      names.add(name)
    }
    attributes.push(attribute)
  }

  // Comments and DOCTYPEs.

  protected emitComment(end: number): number {
    const data = this.commentData
    this.commentData = ''
    this.state = State.Data
    this.tokenEnd = this.base + end
    this.sink.comment(data)
    return end
  }

  protected beginDoctype(): void {
    this.doctypeName = null
    this.publicId = null
    this.systemId = null
    this.forceQuirks = false
  }

  protected emitDoctype(end: number): number {
    const token: DoctypeToken = {
      name: this.doctypeName,
      publicId: this.publicId,
      systemId: this.systemId,
      forceQuirks: this.forceQuirks,
    }
    this.state = State.Data
    this.tokenEnd = this.base + end
    this.sink.doctype(token)
    return end
  }

  // §13.2.5.72–80 character references.

  /**
   * Read the character reference whose `&` is at `at`. Returns the index after it, with its text in
   * `referenceText`, or one of `Reference`. `returnState` is where a numeric reference that continues
   * into the next write goes back to.
   */
  protected characterReference(
    buffer: string,
    at: number,
    inAttribute: boolean,
    returnState: number,
  ): number {
    const n = buffer.length
    const next = at + 1
    if (next >= n) return this.final ? Reference.None : Reference.NeedMore
    const c = buffer.charCodeAt(next)
    if (c === 0x23) return this.numericReference(buffer, at, returnState)
    // §13.2.5.72: anything but an alphanumeric or `#` leaves the `&` as it is.
    if (!isAsciiAlphanumeric(c)) return Reference.None
    // §13.2.5.73: the whole alphanumeric run (up to 32) must be here to find the longest match.
    const limit = Math.min(n, next + MAX_NAME_RUN)
    let end = next + 1
    while (end < limit && isAsciiAlphanumeric(buffer.charCodeAt(end))) end++
    if (end === n && end - next < MAX_NAME_RUN && !this.final) return Reference.NeedMore
    const consumed = this.namedReferences.match(buffer, next, inAttribute)
    // §13.2.5.73 + 74: no match: the `&` and the alphanumerics after it are ordinary characters.
    if (consumed === 0) return Reference.None
    this.referenceText = this.namedReferences.text
    return at + consumed
  }

  /** §13.2.5.75–79: `&#` then decimal digits, or `&#x` / `&#X` then hex digits. */
  private numericReference(buffer: string, at: number, returnState: number): number {
    const n = buffer.length
    let i = at + 2
    if (i >= n) return this.final ? Reference.None : Reference.NeedMore
    const hex = (buffer.charCodeAt(i) | 0x20) === 0x78
    if (hex && ++i >= n) return this.final ? Reference.None : Reference.NeedMore
    const digits = i
    this.referenceValue = 0
    i = this.readDigits(buffer, i, hex)
    // §13.2.5.76–77: no digits: absence-of-digits parse error; `&#` / `&#x` are ordinary characters.
    if (i === digits) return Reference.None
    if (i === n && !this.final) {
      this.returnState = returnState
      this.state = hex ? State.HexadecimalCharacterReference : State.DecimalCharacterReference
      // In text the reference is the token being read; in an attribute value the tag still is.
      if (returnState === State.Data || returnState === State.RCDATA) this.tokenStart = this.base + at
      return Reference.Pending
    }
    return this.endNumericReference(buffer, i)
  }

  /** §13.2.5.78–79: accumulate digits into `referenceValue` (saturating); returns the index after them. */
  protected readDigits(buffer: string, from: number, hex: boolean): number {
    const n = buffer.length
    let value = this.referenceValue
    let i = from
    if (hex) {
      for (; i < n; i++) {
        const digit = hexDigitValue(buffer.charCodeAt(i))
        if (digit < 0) break
        value = value * 16 + digit
        if (value > 0x10ffff) value = NUMERIC_LIMIT
      }
    } else {
      for (; i < n; i++) {
        const digit = buffer.charCodeAt(i) - 0x30
        if (digit < 0 || digit > 9) break
        value = value * 10 + digit
        if (value > 0x10ffff) value = NUMERIC_LIMIT
      }
    }
    this.referenceValue = value
    return i
  }

  /** §13.2.5.78–80: a `;` ends the digits (consumed), anything else too (missing-semicolon). */
  protected endNumericReference(buffer: string, i: number): number {
    if (i < buffer.length && buffer.charCodeAt(i) === 0x3b) i++
    this.referenceText = numericReferenceText(this.referenceValue)
    this.referenceValue = 0
    return i
  }

  /**
   * §13.2.5.11, 14, 17, 25 (end tag name states of RCDATA, RAWTEXT, script data, escaped script data):
   * is `buffer[at…]` `</` + the last start tag's name (ASCII case-insensitive) + whitespace, `/` or `>`?
   * Returns the index of that last code unit, -1 if not, -2 if the write ends before it is decided.
   */
  protected appropriateEndTag(buffer: string, at: number): number {
    return this.matchTagName(buffer, at + 1, this.lastStartTagName)
  }

  /**
   * Does `buffer[from…]` hold `/`, then `name` in ASCII letters of any case (`name` is lower case), then
   * whitespace, `/` or `>`? Returns as `appropriateEndTag`.
   */
  protected matchTagName(buffer: string, from: number, name: string): number {
    if (from >= buffer.length) return this.final ? -1 : -2
    return buffer.charCodeAt(from) === 0x2f ? this.matchName(buffer, from + 1, name) : -1
  }

  /** As `matchTagName`, without the `/`. */
  protected matchName(buffer: string, from: number, name: string): number {
    const n = buffer.length
    if (name.length === 0) return -1
    let i = from
    for (let k = 0; k < name.length; k++, i++) {
      if (i >= n) return this.final ? -1 : -2
      const c = buffer.charCodeAt(i)
      if (!isAsciiAlpha(c) || (c | 0x20) !== name.charCodeAt(k)) return -1
    }
    if (i >= n) return this.final ? -1 : -2
    const c = buffer.charCodeAt(i)
    return isTokenizerWhitespace(c) || c === 0x2f || c === 0x3e ? i : -1
  }
}
