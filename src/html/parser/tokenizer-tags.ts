/**
 * Tags and attributes: §13.2.5.8 tag name and §13.2.5.32–40. Names and values are read as slices up to
 * the next code unit that matters in the state; code units above `>` (0x3E) never end a name, so the
 * name loops test one comparison for almost every code unit.
 */
import { Reference, isTokenizerWhitespace } from './tokenizer-base.js'
import { MarkupStates } from './tokenizer-markup.js'
import { State } from './tokenizer-states.js'

export abstract class TagStates extends MarkupStates {
  /** §13.2.5.8 tag name state. */
  protected tagNameState(buffer: string, i: number): number {
    const n = buffer.length
    let end = i
    let hasUpper = false
    for (; end < n; end++) {
      const c = buffer.charCodeAt(end)
      if (c > 0x3e) {
        if (c <= 0x5a && c >= 0x41) hasUpper = true
      } else if (c === 0x20 || c === 0x3e || c === 0x2f || c === 0x0a || c === 0x09 || c === 0x0c) {
        break
      }
    }
    this.tagName += this.cutName(buffer, i, end, hasUpper)
    if (end === n) return n
    const c = buffer.charCodeAt(end)
    if (c === 0x3e) return this.emitTag(end + 1)
    this.state = c === 0x2f ? State.SelfClosingStartTag : State.BeforeAttributeName
    return end + 1
  }

  /** §13.2.5.32 before attribute name state. */
  protected beforeAttributeName(buffer: string, i: number): number {
    const n = buffer.length
    while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
    if (i === n) return n
    const c = buffer.charCodeAt(i)
    // `/` and `>` go through the after attribute name state, which reads them as here.
    if (c === 0x3e) return this.emitTag(i + 1)
    if (c === 0x2f) {
      this.state = State.SelfClosingStartTag
      return i + 1
    }
    this.state = State.AttributeName
    if (c === 0x3d) {
      // unexpected-equals-sign-before-attribute-name: `=` starts the name.
      this.attributeName = '='
      return i + 1
    }
    return i
  }

  /** §13.2.5.33 attribute name state (`"`, `'` and `<` are parse errors but part of the name). */
  protected attributeNameState(buffer: string, i: number): number {
    const n = buffer.length
    let end = i
    let hasUpper = false
    for (; end < n; end++) {
      const c = buffer.charCodeAt(end)
      if (c > 0x3e) {
        if (c <= 0x5a && c >= 0x41) hasUpper = true
      } else if (
        c === 0x3d ||
        c === 0x20 ||
        c === 0x3e ||
        c === 0x2f ||
        c === 0x0a ||
        c === 0x09 ||
        c === 0x0c
      ) {
        break
      }
    }
    this.attributeName += this.cutName(buffer, i, end, hasUpper)
    if (end === n) return n
    this.finishAttributeName()
    if (buffer.charCodeAt(end) === 0x3d) {
      this.state = State.BeforeAttributeValue
      return end + 1
    }
    this.state = State.AfterAttributeName
    return end
  }

  /** §13.2.5.34 after attribute name state. */
  protected afterAttributeName(buffer: string, i: number): number {
    const n = buffer.length
    while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
    if (i === n) return n
    const c = buffer.charCodeAt(i)
    if (c === 0x3e) return this.emitTag(i + 1)
    if (c === 0x2f) {
      this.state = State.SelfClosingStartTag
      return i + 1
    }
    if (c === 0x3d) {
      this.state = State.BeforeAttributeValue
      return i + 1
    }
    this.state = State.AttributeName
    return i
  }

  /** §13.2.5.35 before attribute value state. */
  protected beforeAttributeValue(buffer: string, i: number): number {
    const n = buffer.length
    while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
    if (i === n) return n
    const c = buffer.charCodeAt(i)
    if (c === 0x22) {
      this.state = State.AttributeValueDoubleQuoted
      return i + 1
    }
    if (c === 0x27) {
      this.state = State.AttributeValueSingleQuoted
      return i + 1
    }
    // missing-attribute-value: the value stays empty.
    if (c === 0x3e) return this.emitTag(i + 1)
    this.state = State.AttributeValueUnquoted
    return i
  }

  /** §13.2.5.36–37 attribute value (double- or single-quoted) state, `quote` being `"` or `'`. */
  protected quotedAttributeValue(buffer: string, i: number, quote: string): number {
    const n = buffer.length
    let end = buffer.indexOf(quote, i)
    if (end === -1) end = n
    let run = i
    for (;;) {
      const ampersand = this.ampersandAt(buffer, i)
      if (ampersand >= end) break
      // A reference never holds a quote, so it ends by `end`.
      const next = this.attributeValueReference(buffer, run, ampersand)
      if (next < 0) return n
      i = next
      if (i !== ampersand + 1 || this.referenceText !== '') run = i
    }
    this.attribute.value += this.cut(buffer, run, end)
    if (end === n) return n
    this.state = State.AfterAttributeValueQuoted
    return end + 1
  }

  /** §13.2.5.38 attribute value (unquoted) state (`"`, `'`, `<`, `=`, `` ` `` are errors but kept). */
  protected unquotedAttributeValue(buffer: string, i: number): number {
    const n = buffer.length
    let run = i
    let end = i
    let c = 0
    for (; end < n; end++) {
      c = buffer.charCodeAt(end)
      if (c > 0x3e || (c !== 0x20 && c !== 0x3e && c !== 0x26 && c !== 0x0a && c !== 0x09 && c !== 0x0c))
        continue
      if (c !== 0x26) break
      const next = this.attributeValueReference(buffer, run, end)
      if (next < 0) return n
      if (next !== end + 1 || this.referenceText !== '') run = next
      end = next - 1
    }
    this.attribute.value += this.cut(buffer, run, end)
    if (end === n) return n
    if (c === 0x3e) return this.emitTag(end + 1)
    this.state = State.BeforeAttributeName
    return end + 1
  }

  /**
   * §13.2.5.72 for the `&` at `at`, with the attribute value state as return state. A reference is
   * appended to the value after `buffer[run, at)` and the index after it returned, with `referenceText`
   * set; an `&` that is no reference returns `at + 1` with `referenceText` empty and appends nothing
   * (the run goes on). Returns -1 when the rest of the write is carried or the digits go on past it.
   */
  private attributeValueReference(buffer: string, run: number, at: number): number {
    const end = this.characterReference(buffer, at, true, this.state)
    if (end === Reference.None) {
      this.referenceText = ''
      return at + 1
    }
    const attribute = this.attribute
    attribute.value += this.cut(buffer, run, at)
    if (end >= 0) {
      attribute.value += this.referenceText
      return end
    }
    // NeedMore: read the reference again with the next write; Pending: the digits go on there.
    if (end === Reference.NeedMore) this.carryFrom(buffer, at)
    return -1
  }

  /** §13.2.5.39 after attribute value (quoted) state. */
  protected afterAttributeValueQuoted(buffer: string, i: number): number {
    const c = buffer.charCodeAt(i)
    if (c === 0x3e) return this.emitTag(i + 1)
    if (c === 0x2f) {
      this.state = State.SelfClosingStartTag
      return i + 1
    }
    this.state = State.BeforeAttributeName
    // Whitespace is consumed here; anything else (missing-whitespace-between-attributes) is reconsumed.
    return isTokenizerWhitespace(c) ? i + 1 : i
  }

  /** §13.2.5.40 self-closing start tag state. */
  protected selfClosingStartTag(buffer: string, i: number): number {
    if (buffer.charCodeAt(i) === 0x3e) {
      this.selfClosing = true
      return this.emitTag(i + 1)
    }
    // unexpected-solidus-in-tag
    this.state = State.BeforeAttributeName
    return i
  }
}
