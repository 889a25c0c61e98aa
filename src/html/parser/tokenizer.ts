/**
 * tagwarden's HTML tokenizer (HTML Standard §13.2.5), streaming and resumable at any code unit.
 *
 * It reads the text that the tree builder (§13.2.6) receives as tokens through the `TokenSink` of
 * `tokens.ts`. The input stream preprocessing of §13.2.3.5 happens here too: CR LF and lone CR become LF
 * (a CR at the end of one write and an LF at the start of the next are one newline).
 *
 * The state groups live in their own files (markup, tags, text); this file holds the loop that
 * dispatches on the state, the end of file, and the public API.
 */
import { TextStates } from './tokenizer-text.js'
import { NO_ATTRIBUTES } from './tokenizer-base.js'
import { State, isCommentState, isDoctypeState, isScriptEscapedTextState } from './tokenizer-states.js'
import type { TextState, TokenSink, TokenizerControl } from './tokens.js'

export { NO_ATTRIBUTES }

const CR_PATTERN = /\r\n?/g

/** A line (1-based) and a column (1-based, UTF-16 code units of the original text). */
export interface TokenPosition {
  line: number
  column: number
}

export class Tokenizer extends TextStates implements TokenizerControl {
  /** A CR ended the last write: an LF starting the next one is part of the same newline. */
  private skipLineFeed = false
  /** The position of `positionAt`, once computed. */
  private positionAt = -1
  private positionLine = 1
  private positionColumn = 0

  constructor(sink: TokenSink) {
    super(sink)
  }

  /** Feed the next piece of the document. Tokens are emitted to the sink before this returns. */
  write(chunk: string): void {
    if (this.skipLineFeed) {
      this.skipLineFeed = false
      if (chunk.charCodeAt(0) === 0x0a) chunk = chunk.slice(1)
    }
    if (chunk.length === 0) return
    if (chunk.indexOf('\r') !== -1) {
      this.skipLineFeed = chunk.charCodeAt(chunk.length - 1) === 0x0d
      chunk = chunk.replace(CR_PATTERN, '\n')
    }
    if (this.carry !== '') {
      chunk = this.carry + chunk
      this.carry = ''
    }
    this.read(chunk)
  }

  /** The document is complete: emit what is pending as the Standard does at EOF, then `endOfFile()`. */
  end(): void {
    this.final = true
    if (this.carry !== '') {
      const rest = this.carry
      this.carry = ''
      this.read(rest)
    }
    this.endOfFile()
    this.tokenEnd = this.base
    this.sink.endOfFile()
  }

  /** §13.2.6.2 and others: the tree builder switches to a text state from inside `startTag`. */
  switchTo(state: TextState): void {
    // TextState numbers the five states from 0, State as the Standard's sections, from 1.
    this.state = state + 1
  }

  /**
   * True when nothing is partly read: the tokenizer is in a text state (data, RCDATA, RAWTEXT, script
   * data, PLAINTEXT, CDATA section) and holds no undecided `<…`, `</scr…`, `&…` or `]]`. The escaped
   * states of script data (after `<!--` inside a script) count as text states: all they read has been
   * emitted as characters, and nothing in them can become a tag but `</script`, which is carried (not a
   * boundary) while it is undecided.
   */
  get atTokenBoundary(): boolean {
    const state = this.state
    return (
      this.carry === '' &&
      (state <= State.PLAINTEXT || state === State.CdataSection || isScriptEscapedTextState(state))
    )
  }

  /**
   * Code units of the token being read, from its `<` (or `&`, `]`) to the end of the input written so
   * far; 0 at a token boundary. Code units after newline normalisation: a CR LF pair counts one.
   */
  get tokenLength(): number {
    return this.atTokenBoundary ? 0 : this.base + this.carry.length - this.tokenStart
  }

  /**
   * Where the token just emitted ends: the line of the point just after it and the code units before
   * that point on its line — for a tag, the 1-based column of its `>`; after a text run that ends in a
   * newline, column 0 of the next line. Lines are counted lazily, from the last position asked.
   */
  position(): TokenPosition {
    if (this.tokenEnd !== this.positionAt) this.computePosition()
    return { line: this.positionLine, column: this.positionColumn }
  }

  private computePosition(): void {
    const at = this.tokenEnd
    this.lines.advanceTo(at)
    this.positionAt = at
    this.positionLine = this.lines.currentLine
    this.positionColumn = this.lines.currentColumn
  }

  private read(buffer: string): void {
    this.buffer = buffer
    this.hasNul = buffer.indexOf('\0') !== -1
    this.nextLessThan = -1
    this.nextAmpersand = -1
    this.lines.setBuffer(buffer, this.base)
    const n = buffer.length
    let i = 0
    while (i < n) i = this.step(buffer, i)
    const read = n - this.carry.length
    // The buffer is let go of after this write: count its lines now, first up to the last token (so
    // position() can still answer for it), then up to the carried rest.
    if (this.tokenEnd > this.positionAt && this.tokenEnd <= this.base + read) this.computePosition()
    this.lines.advanceTo(this.base + read)
    this.base += read
  }

  /** Read from `i` in the current state; returns where reading goes on. */
  private step(buffer: string, i: number): number {
    switch (this.state) {
      case State.Data:
        return this.data(buffer, i)
      case State.RCDATA:
        return this.rawText(buffer, i, true)
      case State.RAWTEXT:
        return this.rawText(buffer, i, false)
      case State.ScriptData:
        return this.scriptData(buffer, i)
      case State.PLAINTEXT:
        return this.plaintext(buffer, i)
      case State.TagName:
        return this.tagNameState(buffer, i)
      case State.ScriptDataEscaped:
        return this.scriptDataEscaped(buffer, i, false)
      case State.ScriptDataEscapedDash:
        return this.scriptDataEscapedDash(buffer, i, false)
      case State.ScriptDataEscapedDashDash:
        return this.scriptDataEscapedDashDash(buffer, i, false)
      case State.ScriptDataDoubleEscaped:
        return this.scriptDataEscaped(buffer, i, true)
      case State.ScriptDataDoubleEscapedDash:
        return this.scriptDataEscapedDash(buffer, i, true)
      case State.ScriptDataDoubleEscapedDashDash:
        return this.scriptDataEscapedDashDash(buffer, i, true)
      case State.BeforeAttributeName:
        return this.beforeAttributeName(buffer, i)
      case State.AttributeName:
        return this.attributeNameState(buffer, i)
      case State.AfterAttributeName:
        return this.afterAttributeName(buffer, i)
      case State.BeforeAttributeValue:
        return this.beforeAttributeValue(buffer, i)
      case State.AttributeValueDoubleQuoted:
        return this.quotedAttributeValue(buffer, i, '"')
      case State.AttributeValueSingleQuoted:
        return this.quotedAttributeValue(buffer, i, "'")
      case State.AttributeValueUnquoted:
        return this.unquotedAttributeValue(buffer, i)
      case State.AfterAttributeValueQuoted:
        return this.afterAttributeValueQuoted(buffer, i)
      case State.SelfClosingStartTag:
        return this.selfClosingStartTag(buffer, i)
      case State.BogusComment:
        return this.bogusComment(buffer, i)
      case State.CommentStart:
        return this.commentStart(buffer, i)
      case State.CommentStartDash:
        return this.commentStartDash(buffer, i)
      case State.Comment:
        return this.comment(buffer, i)
      case State.CommentEndDash:
        return this.commentEndDash(buffer, i)
      case State.CommentEnd:
        return this.commentEnd(buffer, i)
      case State.CommentEndBang:
        return this.commentEndBang(buffer, i)
      case State.Doctype:
        return this.doctype(buffer, i)
      case State.BeforeDoctypeName:
        return this.beforeDoctypeName(buffer, i)
      case State.DoctypeName:
        return this.doctypeNameState(buffer, i)
      case State.AfterDoctypeName:
        return this.afterDoctypeName(buffer, i)
      case State.AfterDoctypePublicKeyword:
        return this.beforeIdentifier(buffer, i, true, false)
      case State.BeforeDoctypePublicIdentifier:
        return this.beforeIdentifier(buffer, i, true, true)
      case State.DoctypePublicIdentifierDoubleQuoted:
        return this.quotedIdentifier(buffer, i, '"', true)
      case State.DoctypePublicIdentifierSingleQuoted:
        return this.quotedIdentifier(buffer, i, "'", true)
      case State.AfterDoctypePublicIdentifier:
        return this.afterPublicIdentifier(buffer, i, false)
      case State.BetweenDoctypePublicAndSystemIdentifiers:
        return this.afterPublicIdentifier(buffer, i, true)
      case State.AfterDoctypeSystemKeyword:
        return this.beforeIdentifier(buffer, i, false, false)
      case State.BeforeDoctypeSystemIdentifier:
        return this.beforeIdentifier(buffer, i, false, true)
      case State.DoctypeSystemIdentifierDoubleQuoted:
        return this.quotedIdentifier(buffer, i, '"', false)
      case State.DoctypeSystemIdentifierSingleQuoted:
        return this.quotedIdentifier(buffer, i, "'", false)
      case State.AfterDoctypeSystemIdentifier:
        return this.afterSystemIdentifier(buffer, i)
      case State.BogusDoctype:
        return this.bogusDoctype(buffer, i)
      case State.CdataSection:
        return this.cdataSection(buffer, i)
      case State.HexadecimalCharacterReference:
      case State.DecimalCharacterReference:
        return this.numericReferenceDigits(buffer, i)
      default:
        // Unreachable: every state is above. Reading stops rather than loop.
        return buffer.length
    }
  }

  /** §13.2.5.78–79, the digits of a numeric reference that went on past the end of the last write. */
  private numericReferenceDigits(buffer: string, i: number): number {
    const end = this.readDigits(buffer, i, this.state === State.HexadecimalCharacterReference)
    if (end === buffer.length && !this.final) return end
    return this.returnFromReference(this.endNumericReference(buffer, end))
  }

  /** Hand a numeric reference's text to its return state. */
  private returnFromReference(end: number): number {
    const returnState = this.returnState
    this.state = returnState
    if (returnState === State.Data || returnState === State.RCDATA) {
      this.emitCharacters(this.referenceText, end)
    } else {
      this.attribute.value += this.referenceText
    }
    return end
  }

  /**
   * End of file in the current state (each state's "EOF" entry in §13.2.5). All input is read: tokens
   * end at index 0 of what is left, the end of the stream.
   */
  private endOfFile(): void {
    const state = this.state
    if (state === State.HexadecimalCharacterReference || state === State.DecimalCharacterReference) {
      // §13.2.5.78–80: the digits end at EOF; the return state then meets EOF itself.
      this.endNumericReference('', 0)
      this.returnFromReference(0)
      return this.endOfFile()
    }
    if (isCommentState(state)) {
      // eof-in-comment: the comment is emitted with what it has (pending dashes are not data).
      this.emitComment(0)
    } else if (isDoctypeState(state)) {
      // eof-in-doctype: emitted in quirks mode, except from the bogus DOCTYPE state.
      if (state !== State.BogusDoctype) this.forceQuirks = true
      if (state === State.Doctype || state === State.BeforeDoctypeName) this.doctypeName = null
      this.emitDoctype(0)
    } else if (state >= State.TagName && !isScriptEscapedTextState(state) && state !== State.CdataSection) {
      // eof-in-tag: the tag is dropped.
      this.tagName = ''
      this.attributes = NO_ATTRIBUTES
      this.attributeNames = null
      this.selfClosing = false
    }
    this.state = State.Data
  }
}
