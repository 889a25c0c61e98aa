/**
 * Markup declarations: comments (§13.2.5.41–52) and DOCTYPEs (§13.2.5.53–68). Each method reads the
 * state it is named after from index `i` and returns the index where reading goes on.
 */
import { TokenizerBase, isTokenizerWhitespace } from './tokenizer-base.js'
import { State } from './tokenizer-states.js'

const DOCTYPE = 'doctype'
const CDATA = '[CDATA['

/** Does `buffer[at…]` start with `word` (lower case), ASCII case-insensitively, as far as it goes? */
function startsWithFolded(buffer: string, at: number, word: string): boolean {
  const end = Math.min(buffer.length, at + word.length)
  for (let i = at; i < end; i++) {
    if ((buffer.charCodeAt(i) | 0x20) !== word.charCodeAt(i - at)) return false
  }
  return true
}

function startsWithPartly(buffer: string, at: number, word: string): boolean {
  const end = Math.min(buffer.length, at + word.length)
  for (let i = at; i < end; i++) if (buffer.charCodeAt(i) !== word.charCodeAt(i - at)) return false
  return true
}

export abstract class MarkupStates extends TokenizerBase {
  /**
   * §13.2.5.42 markup declaration open state, for the `<!` at `at`: `--` opens a comment, `DOCTYPE`
   * (any case) a DOCTYPE, `[CDATA[` a CDATA section when the tree builder allows it; anything else is a
   * bogus comment (so is `[CDATA[` in HTML content: its data then starts with `[CDATA[`, as the
   * Standard's "create a comment whose data is `[CDATA[`" has it).
   */
  protected markupDeclarationOpen(buffer: string, at: number): number {
    const i = at + 2
    const available = buffer.length - i
    this.tokenStart = this.base + at
    if (available >= 2 && buffer.charCodeAt(i) === 0x2d && buffer.charCodeAt(i + 1) === 0x2d) {
      this.commentData = ''
      this.state = State.CommentStart
      return i + 2
    }
    if (available >= 7 && startsWithFolded(buffer, i, DOCTYPE)) {
      this.beginDoctype()
      this.state = State.Doctype
      return i + 7
    }
    if (this.allowCdata && available >= 7 && buffer.startsWith(CDATA, i)) {
      this.state = State.CdataSection
      return i + 7
    }
    if (
      !this.final &&
      available < 7 &&
      ((available < 2 && startsWithPartly(buffer, i, '--')) ||
        startsWithFolded(buffer, i, DOCTYPE) ||
        (this.allowCdata && startsWithPartly(buffer, i, CDATA)))
    ) {
      return this.carryFrom(buffer, at)
    }
    // incorrectly-opened-comment (or cdata-in-html-content): the bogus comment reads from here.
    this.commentData = ''
    this.state = State.BogusComment
    return i
  }

  /** §13.2.5.41 bogus comment state: everything up to `>`. */
  protected bogusComment(buffer: string, i: number): number {
    const end = buffer.indexOf('>', i)
    if (end === -1) {
      this.commentData += this.cut(buffer, i, buffer.length)
      return buffer.length
    }
    this.commentData += this.cut(buffer, i, end)
    return this.emitComment(end + 1)
  }

  /** §13.2.5.43 comment start state. */
  protected commentStart(buffer: string, i: number): number {
    const c = buffer.charCodeAt(i)
    if (c === 0x2d) {
      this.state = State.CommentStartDash
      return i + 1
    }
    // abrupt-closing-of-empty-comment: `<!-->`
    if (c === 0x3e) return this.emitComment(i + 1)
    this.state = State.Comment
    return i
  }

  /** §13.2.5.44 comment start dash state. */
  protected commentStartDash(buffer: string, i: number): number {
    const c = buffer.charCodeAt(i)
    if (c === 0x2d) {
      this.state = State.CommentEnd
      return i + 1
    }
    // abrupt-closing-of-empty-comment: `<!--->`
    if (c === 0x3e) return this.emitComment(i + 1)
    this.commentData += '-'
    this.state = State.Comment
    return i
  }

  /**
   * §13.2.5.45 comment state: everything up to `-`. `<` would lead to the comment less-than-sign states
   * (§13.2.5.46–49), which append the same characters and end the comment at the same place; they only
   * add nested-comment parse errors, so `<` is read as any other character.
   */
  protected comment(buffer: string, i: number): number {
    const n = buffer.length
    let dash = buffer.indexOf('-', i)
    // A `-` followed by anything but `-` is data (§13.2.5.50 appends it and reconsumes): read on.
    while (dash !== -1 && dash + 1 < n && buffer.charCodeAt(dash + 1) !== 0x2d)
      dash = buffer.indexOf('-', dash + 2)
    if (dash === -1) {
      this.commentData += this.cut(buffer, i, n)
      return n
    }
    this.commentData += this.cut(buffer, i, dash)
    this.state = State.CommentEndDash
    return dash + 1
  }

  /** §13.2.5.50 comment end dash state. */
  protected commentEndDash(buffer: string, i: number): number {
    if (buffer.charCodeAt(i) === 0x2d) {
      this.state = State.CommentEnd
      return i + 1
    }
    this.commentData += '-'
    this.state = State.Comment
    return i
  }

  /** §13.2.5.51 comment end state. */
  protected commentEnd(buffer: string, i: number): number {
    const c = buffer.charCodeAt(i)
    if (c === 0x3e) return this.emitComment(i + 1)
    if (c === 0x21) {
      this.state = State.CommentEndBang
      return i + 1
    }
    if (c === 0x2d) {
      // Each further `-` appends one `-`: take the whole run at once.
      let end = i + 1
      while (end < buffer.length && buffer.charCodeAt(end) === 0x2d) end++
      this.commentData += buffer.slice(i, end)
      return end
    }
    this.commentData += '--'
    this.state = State.Comment
    return i
  }

  /** §13.2.5.52 comment end bang state. */
  protected commentEndBang(buffer: string, i: number): number {
    const c = buffer.charCodeAt(i)
    // incorrectly-closed-comment: `--!>` ends it, without the `--!`.
    if (c === 0x3e) return this.emitComment(i + 1)
    this.commentData += '--!'
    if (c === 0x2d) {
      this.state = State.CommentEndDash
      return i + 1
    }
    this.state = State.Comment
    return i
  }

  /** §13.2.5.53 DOCTYPE state. */
  protected doctype(buffer: string, i: number): number {
    this.state = State.BeforeDoctypeName
    return isTokenizerWhitespace(buffer.charCodeAt(i)) ? i + 1 : i
  }

  /** §13.2.5.54 before DOCTYPE name state. */
  protected beforeDoctypeName(buffer: string, i: number): number {
    const n = buffer.length
    while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
    if (i === n) return n
    if (buffer.charCodeAt(i) === 0x3e) {
      // missing-doctype-name
      this.forceQuirks = true
      return this.emitDoctype(i + 1)
    }
    // The doctype name state lowers ASCII upper case and replaces U+0000 as this state does.
    this.doctypeName = ''
    this.state = State.DoctypeName
    return i
  }

  /** §13.2.5.55 DOCTYPE name state. */
  protected doctypeNameState(buffer: string, i: number): number {
    const n = buffer.length
    let end = i
    let hasUpper = false
    for (; end < n; end++) {
      const c = buffer.charCodeAt(end)
      if (c === 0x3e || isTokenizerWhitespace(c)) break
      if (c >= 0x41 && c <= 0x5a) hasUpper = true
    }
    this.doctypeName += this.cutName(buffer, i, end, hasUpper)
    if (end === n) return n
    if (buffer.charCodeAt(end) === 0x3e) return this.emitDoctype(end + 1)
    this.state = State.AfterDoctypeName
    return end + 1
  }

  /** §13.2.5.56 after DOCTYPE name state: `PUBLIC` or `SYSTEM`, any case. */
  protected afterDoctypeName(buffer: string, i: number): number {
    const n = buffer.length
    while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
    if (i === n) return n
    if (buffer.charCodeAt(i) === 0x3e) return this.emitDoctype(i + 1)
    if (n - i >= 6) {
      if (startsWithFolded(buffer, i, 'public')) {
        this.state = State.AfterDoctypePublicKeyword
        return i + 6
      }
      if (startsWithFolded(buffer, i, 'system')) {
        this.state = State.AfterDoctypeSystemKeyword
        return i + 6
      }
    } else if (
      !this.final &&
      (startsWithFolded(buffer, i, 'public') || startsWithFolded(buffer, i, 'system'))
    ) {
      return this.carryFrom(buffer, i)
    }
    // invalid-character-sequence-after-doctype-name
    this.forceQuirks = true
    this.state = State.BogusDoctype
    return i
  }

  /**
   * §13.2.5.57 after DOCTYPE public keyword and §13.2.5.63 after DOCTYPE system keyword states (`public`
   * says which); with `skipWhitespace` they are §13.2.5.58 / 64, the before-identifier states.
   */
  protected beforeIdentifier(buffer: string, i: number, isPublic: boolean, skipWhitespace: boolean): number {
    const n = buffer.length
    if (skipWhitespace) {
      while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
      if (i === n) return n
    }
    const c = buffer.charCodeAt(i)
    if (isTokenizerWhitespace(c)) {
      this.state = isPublic ? State.BeforeDoctypePublicIdentifier : State.BeforeDoctypeSystemIdentifier
      return i + 1
    }
    return this.openIdentifier(c, i, isPublic)
  }

  /**
   * The steps the identifier states share for a code point `c` at `i`: a quote opens the identifier,
   * `>` ends the DOCTYPE in quirks mode, anything else makes it a quirky bogus DOCTYPE.
   */
  private openIdentifier(c: number, i: number, isPublic: boolean): number {
    if (c === 0x22 || c === 0x27) {
      if (isPublic) {
        this.publicId = ''
        this.state =
          c === 0x22 ? State.DoctypePublicIdentifierDoubleQuoted : State.DoctypePublicIdentifierSingleQuoted
      } else {
        this.systemId = ''
        this.state =
          c === 0x22 ? State.DoctypeSystemIdentifierDoubleQuoted : State.DoctypeSystemIdentifierSingleQuoted
      }
      return i + 1
    }
    this.forceQuirks = true
    if (c === 0x3e) return this.emitDoctype(i + 1)
    this.state = State.BogusDoctype
    return i
  }

  /** §13.2.5.59–60 and 65–66: a quoted identifier, up to its quote; `>` ends the DOCTYPE (quirks). */
  protected quotedIdentifier(buffer: string, i: number, quote: string, isPublic: boolean): number {
    const n = buffer.length
    let end = buffer.indexOf(quote, i)
    if (end === -1) end = n
    const gt = buffer.indexOf('>', i)
    if (gt !== -1 && gt < end) end = gt
    const text = this.cut(buffer, i, end)
    if (isPublic) this.publicId += text
    else this.systemId += text
    if (end === n) return n
    if (buffer.charCodeAt(end) === 0x3e) {
      // abrupt-doctype-public-identifier / abrupt-doctype-system-identifier
      this.forceQuirks = true
      return this.emitDoctype(end + 1)
    }
    this.state = isPublic ? State.AfterDoctypePublicIdentifier : State.AfterDoctypeSystemIdentifier
    return end + 1
  }

  /**
   * §13.2.5.61 after DOCTYPE public identifier state; with `skipWhitespace`, §13.2.5.62 between DOCTYPE
   * public and system identifiers.
   */
  protected afterPublicIdentifier(buffer: string, i: number, skipWhitespace: boolean): number {
    const n = buffer.length
    if (skipWhitespace) {
      while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
      if (i === n) return n
    }
    const c = buffer.charCodeAt(i)
    if (isTokenizerWhitespace(c)) {
      this.state = State.BetweenDoctypePublicAndSystemIdentifiers
      return i + 1
    }
    if (c === 0x3e) return this.emitDoctype(i + 1)
    return this.openIdentifier(c, i, false)
  }

  /** §13.2.5.67 after DOCTYPE system identifier state. */
  protected afterSystemIdentifier(buffer: string, i: number): number {
    const n = buffer.length
    while (i < n && isTokenizerWhitespace(buffer.charCodeAt(i))) i++
    if (i === n) return n
    if (buffer.charCodeAt(i) === 0x3e) return this.emitDoctype(i + 1)
    // unexpected-character-after-doctype-system-identifier: bogus, but not quirky.
    this.state = State.BogusDoctype
    return i
  }

  /** §13.2.5.68 bogus DOCTYPE state: everything up to `>` is ignored. */
  protected bogusDoctype(buffer: string, i: number): number {
    const end = buffer.indexOf('>', i)
    return end === -1 ? buffer.length : this.emitDoctype(end + 1)
  }
}
