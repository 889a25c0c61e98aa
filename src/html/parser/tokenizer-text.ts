/**
 * The text states: data (§13.2.5.1), RCDATA (2), RAWTEXT (3), script data (4, with its escaped states
 * 20–31), PLAINTEXT (5) and CDATA section (69–71). Text is found with `indexOf` (cached per buffer, see
 * `lessThanAt`) and emitted as slices; a run is emitted when a token starts and at the end of every
 * write, never held across writes. The data state passes U+0000 through (the tree builder decides);
 * the others emit U+FFFD for it.
 */
import { Reference, isAsciiAlpha } from './tokenizer-base.js'
import { TagStates } from './tokenizer-tags.js'
import { State } from './tokenizer-states.js'

export abstract class TextStates extends TagStates {
  /** §13.2.5.1 data state, with §13.2.5.6 tag open and §13.2.5.7 end tag open. */
  protected data(buffer: string, i: number): number {
    const n = buffer.length
    let run = i
    while (i < n) {
      const lt = this.lessThanAt(buffer, i)
      const ampersand = this.ampersandAt(buffer, i)
      if (ampersand < lt) {
        const end = this.characterReference(buffer, ampersand, false, State.Data)
        if (end === Reference.None) {
          i = ampersand + 1
          continue
        }
        if (run < ampersand) this.emitCharacters(buffer.slice(run, ampersand), ampersand)
        if (end >= 0) {
          this.emitCharacters(this.referenceText, end)
          i = run = end
          continue
        }
        this.tokenStart = this.base + ampersand
        return end === Reference.NeedMore ? this.carryFrom(buffer, ampersand) : n
      }
      if (lt === n) break
      const c = lt + 1 < n ? buffer.charCodeAt(lt + 1) : -1
      if (isAsciiAlpha(c)) {
        if (run < lt) this.emitCharacters(buffer.slice(run, lt), lt)
        this.beginTag(false, lt)
        this.state = State.TagName
        return lt + 1
      }
      if (c === 0x2f) {
        // §13.2.5.7 end tag open state.
        const d = lt + 2 < n ? buffer.charCodeAt(lt + 2) : -1
        if (d === -1 && this.final) {
          // eof-before-tag-name: `</` are characters.
          i = lt + 2
          continue
        }
        if (run < lt) this.emitCharacters(buffer.slice(run, lt), lt)
        this.tokenStart = this.base + lt
        if (isAsciiAlpha(d)) {
          this.beginTag(true, lt)
          this.state = State.TagName
          return lt + 2
        }
        if (d === -1) return this.carryFrom(buffer, lt)
        if (d === 0x3e) {
          // missing-end-tag-name: `</>` is dropped.
          i = run = lt + 3
          continue
        }
        // invalid-first-character-of-tag-name: a bogus comment from that character on.
        this.commentData = ''
        this.state = State.BogusComment
        return lt + 2
      }
      if (c === 0x21 || c === 0x3f || (c === -1 && !this.final)) {
        if (run < lt) this.emitCharacters(buffer.slice(run, lt), lt)
        if (c === 0x21) return this.markupDeclarationOpen(buffer, lt)
        this.tokenStart = this.base + lt
        if (c === -1) return this.carryFrom(buffer, lt)
        // unexpected-question-mark-instead-of-tag-name: a bogus comment that starts with the `?`.
        this.commentData = ''
        this.state = State.BogusComment
        return lt + 1
      }
      // invalid-first-character-of-tag-name / eof-before-tag-name: the `<` is a character.
      i = lt + 1
    }
    if (run < n) this.emitCharacters(buffer.slice(run, n), n)
    return n
  }

  /**
   * §13.2.5.2 RCDATA state (`references` true) and §13.2.5.3 RAWTEXT state, with their less-than-sign,
   * end tag open and end tag name states (9–14): only `</` + the last start tag's name ends them.
   */
  protected rawText(buffer: string, i: number, references: boolean): number {
    const n = buffer.length
    let run = i
    while (i < n) {
      const lt = this.lessThanAt(buffer, i)
      if (references) {
        const ampersand = this.ampersandAt(buffer, i)
        if (ampersand < lt) {
          const end = this.characterReference(buffer, ampersand, false, State.RCDATA)
          if (end === Reference.None) {
            i = ampersand + 1
            continue
          }
          if (run < ampersand) this.emitCharacters(this.cut(buffer, run, ampersand), ampersand)
          if (end >= 0) {
            this.emitCharacters(this.referenceText, end)
            i = run = end
            continue
          }
          this.tokenStart = this.base + ampersand
          return end === Reference.NeedMore ? this.carryFrom(buffer, ampersand) : n
        }
      }
      if (lt === n) break
      const end = this.appropriateEndTag(buffer, lt)
      if (end === -1) {
        i = lt + 1
        continue
      }
      return this.endTagInText(buffer, run, lt, end)
    }
    if (run < n) this.emitCharacters(this.cut(buffer, run, n), n)
    return n
  }

  /**
   * The text before `lt`, then the end tag whose name ended at `end` (-2: undecided, carried). The
   * name is the last start tag's, as the end tag name states build it; the before attribute name state
   * reads the whitespace, `/` or `>` after it as the end tag name states would.
   */
  private endTagInText(buffer: string, run: number, lt: number, end: number): number {
    if (run < lt) this.emitCharacters(this.cut(buffer, run, lt), lt)
    this.tokenStart = this.base + lt
    if (end === -2) return this.carryFrom(buffer, lt)
    this.beginTag(true, lt)
    this.tagName = this.lastStartTagName
    this.state = State.BeforeAttributeName
    return end
  }

  /** §13.2.5.4 script data state, with 15–19: `</script` ends it, `<!--` escapes it. */
  protected scriptData(buffer: string, i: number): number {
    const n = buffer.length
    const run = i
    while (i < n) {
      const lt = this.lessThanAt(buffer, i)
      if (lt === n) break
      if (lt + 1 < n && buffer.charCodeAt(lt + 1) === 0x21) {
        // §13.2.5.18–19 script data escape start (dash) states.
        const d = lt + 2 < n ? buffer.charCodeAt(lt + 2) : -1
        const e = lt + 3 < n ? buffer.charCodeAt(lt + 3) : -1
        if (d === 0x2d && e === 0x2d) {
          this.emitCharacters(this.cut(buffer, run, lt + 4), lt + 4)
          this.state = State.ScriptDataEscapedDashDash
          return lt + 4
        }
        if (!this.final && (d === -1 || (d === 0x2d && e === -1))) {
          if (run < lt) this.emitCharacters(this.cut(buffer, run, lt), lt)
          this.tokenStart = this.base + lt
          return this.carryFrom(buffer, lt)
        }
        i = lt + 1
        continue
      }
      const end = this.appropriateEndTag(buffer, lt)
      if (end === -1) {
        i = lt + 1
        continue
      }
      return this.endTagInText(buffer, run, lt, end)
    }
    if (run < n) this.emitCharacters(this.cut(buffer, run, n), n)
    return n
  }

  /**
   * §13.2.5.20 script data escaped state and §13.2.5.27 double escaped state, with their less-than-sign
   * states (23, 30), escaped end tag states (24–25), double escape start (26) and end (31).
   */
  protected scriptDataEscaped(buffer: string, i: number, doubleEscaped: boolean): number {
    const n = buffer.length
    const run = i
    for (; i < n; i++) {
      const c = buffer.charCodeAt(i)
      if (c === 0x2d) {
        this.emitCharacters(this.cut(buffer, run, i + 1), i + 1)
        this.state = doubleEscaped ? State.ScriptDataDoubleEscapedDash : State.ScriptDataEscapedDash
        return i + 1
      }
      if (c !== 0x3c) continue
      let end: number
      if (doubleEscaped) {
        // §13.2.5.31: `</script` + whitespace, `/` or `>` goes back to escaped (all characters).
        end = this.matchTagName(buffer, i + 1, 'script')
        if (end >= 0) {
          this.emitCharacters(this.cut(buffer, run, end + 1), end + 1)
          this.state = State.ScriptDataEscaped
          return end + 1
        }
      } else if (i + 1 < n && isAsciiAlpha(buffer.charCodeAt(i + 1))) {
        // §13.2.5.26: `<script` + whitespace, `/` or `>` double-escapes (all characters).
        end = this.matchName(buffer, i + 1, 'script')
        if (end >= 0) {
          this.emitCharacters(this.cut(buffer, run, end + 1), end + 1)
          this.state = State.ScriptDataDoubleEscaped
          return end + 1
        }
      } else {
        end = this.appropriateEndTag(buffer, i)
        if (end >= 0) return this.endTagInText(buffer, run, i, end)
      }
      if (end === -2) {
        if (run < i) this.emitCharacters(this.cut(buffer, run, i), i)
        this.tokenStart = this.base + i
        return this.carryFrom(buffer, i)
      }
    }
    if (run < n) this.emitCharacters(this.cut(buffer, run, n), n)
    return n
  }

  /** §13.2.5.21 script data escaped dash state and §13.2.5.28 double escaped dash state. */
  protected scriptDataEscapedDash(buffer: string, i: number, doubleEscaped: boolean): number {
    if (buffer.charCodeAt(i) === 0x2d) {
      this.emitCharacters('-', i + 1)
      this.state = doubleEscaped ? State.ScriptDataDoubleEscapedDashDash : State.ScriptDataEscapedDashDash
      return i + 1
    }
    // `<`, U+0000 and anything else are read by the (double) escaped state as its own.
    this.state = doubleEscaped ? State.ScriptDataDoubleEscaped : State.ScriptDataEscaped
    return i
  }

  /** §13.2.5.22 script data escaped dash dash state and §13.2.5.29 double escaped dash dash state. */
  protected scriptDataEscapedDashDash(buffer: string, i: number, doubleEscaped: boolean): number {
    const n = buffer.length
    const c = buffer.charCodeAt(i)
    if (c === 0x2d) {
      let end = i + 1
      while (end < n && buffer.charCodeAt(end) === 0x2d) end++
      this.emitCharacters(buffer.slice(i, end), end)
      return end
    }
    if (c === 0x3e) {
      this.emitCharacters('>', i + 1)
      this.state = State.ScriptData
      return i + 1
    }
    this.state = doubleEscaped ? State.ScriptDataDoubleEscaped : State.ScriptDataEscaped
    return i
  }

  /** §13.2.5.5 PLAINTEXT state: the rest of the input is text. */
  protected plaintext(buffer: string, i: number): number {
    const n = buffer.length
    this.emitCharacters(this.cut(buffer, i, n), n)
    return n
  }

  /** §13.2.5.69–71 CDATA section, bracket and end states: everything up to `]]>`, U+0000 as it is. */
  protected cdataSection(buffer: string, i: number): number {
    const n = buffer.length
    const end = buffer.indexOf(']]>', i)
    if (end !== -1) {
      if (i < end) this.emitCharacters(buffer.slice(i, end), end)
      this.state = State.Data
      return end + 3
    }
    // A `]` or `]]` at the end may be the start of `]]>`: it waits for the next write.
    let stop = n
    if (!this.final && stop > i && buffer.charCodeAt(stop - 1) === 0x5d) {
      stop--
      if (stop > i && buffer.charCodeAt(stop - 1) === 0x5d) stop--
    }
    if (i < stop) this.emitCharacters(buffer.slice(i, stop), stop)
    if (stop === n) return n
    this.tokenStart = this.base + stop
    return this.carryFrom(buffer, stop)
  }
}
