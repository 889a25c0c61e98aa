import {
  adjustForeignAttributes,
  adjustMathMlAttributes,
  adjustSvgAttributes,
  adjustSvgTagName,
  breaksOutOfForeignContent,
} from './foreign.js'
import { type ModeRules, type Tag, hasNonWs } from './insertion-mode.js'
import { K_HTML } from './open-elements.js'
import { NS, T, tagId } from './tag-sets.js'
import type { TreeBuilder } from './tree-builder.js'
import { MODE_RULES } from './rules.js'

/** HTML §13.2.6 the tree construction dispatcher, and §13.2.6.5 the rules for parsing tokens in foreign content. */

type TB = TreeBuilder<unknown>

/**
 * §13.2.6: whether a token is processed by the foreign content rules. `start` is the start tag (null
 * for any other token); `chars` says the token is a character token. End of file never is.
 */
export function useForeignRules(tb: TB, start: Tag | null, chars = false): boolean {
  const acn = tb.adjustedCurrent
  if (acn === undefined || acn.ns === NS.HTML) return false
  if (acn.integration === 2) {
    // A MathML text integration point: start tags other than mglyph and malignmark, and characters.
    if (chars) return false
    if (start !== null && start.name !== 'mglyph' && start.name !== 'malignmark') return false
  }
  if (start !== null && start.id === T.SVG && acn.ns === NS.MATHML && acn.id === T.ANNOTATION_XML)
    return false
  if (acn.integration === 1 && (start !== null || chars)) return false
  return true
}

/** Pop until the current node is a MathML text integration point, an HTML integration point or HTML. */
function popToHtmlContent(tb: TB): void {
  for (;;) {
    const c = tb.current
    if (c.ns === NS.HTML || c.integration !== 0) return
    tb.open.pop()
  }
}

export const FOREIGN_RULES: ModeRules<TB> = {
  characters(tb, text) {
    // U+0000: parse error; insert U+FFFD. Any other character that is not whitespace: frameset-ok "not ok".
    if (tb.framesetOk && hasNonWs(text.replaceAll('\u0000', ''))) tb.framesetOk = false
    if (text.indexOf('\u0000') !== -1) text = text.replaceAll('\u0000', '\ufffd')
    tb.insertText(text)
    return ''
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype() {},
  startTag(tb, t) {
    if (breaksOutOfForeignContent(t.id, t.attrs)) {
      // Parse error. Pop until HTML content; reprocess by the current insertion mode's rules.
      popToHtmlContent(tb)
      MODE_RULES[tb.mode]!.startTag(tb, t)
      return
    }
    // Any other start tag.
    const acn = tb.adjustedCurrent!
    const ns = acn.ns
    if (ns === NS.MATHML) adjustMathMlAttributes(t.attrs)
    else {
      const adjusted = adjustSvgTagName(t.name)
      if (adjusted !== t.name) {
        t.name = adjusted
        t.id = tagId(adjusted)
      }
      adjustSvgAttributes(t.attrs)
    }
    adjustForeignAttributes(t.attrs)
    tb.insertElement(t.name, t.id, ns, t.attrs)
    // Self-closing: pop the current node (an SVG script is "processed" here; nothing to run).
    if (t.selfClosing) tb.open.pop()
  },
  endTag(tb, t) {
    if (t.id === T.BR || t.id === T.P) {
      popToHtmlContent(tb)
      MODE_RULES[tb.mode]!.endTag(tb, t)
      return
    }
    const open = tb.open
    const cur = tb.current
    // Loop: if node is the topmost element of the stack, return (fragment case).
    if (cur.index === 0) return
    // The walk down from the current node passes foreign elements only, until the first HTML element.
    const htmlTop = open.topOfKind(K_HTML)
    const match = open.topForeignNamed(t.name)
    if (match !== undefined && match.index > htmlTop) {
      open.popUntilElement(match)
      return
    }
    // Reached an HTML element: process the token by the current insertion mode's rules.
    MODE_RULES[tb.mode]!.endTag(tb, t)
  },
  endOfFile(tb) {
    MODE_RULES[tb.mode]!.endOfFile(tb)
  },
}
