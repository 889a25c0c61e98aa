import { M, type ModeRules, onlyWs, wsPrefix } from './insertion-mode.js'
import { T } from './tag-sets.js'
import type { TreeBuilder } from './tree-builder.js'
import { inBody } from './rules-body.js'
import { inHeadStartTag } from './rules-head.js'

/** HTML §13.2.6.4.17-22: after body, in frameset, after frameset, after after body, after after frameset. */

type TB = TreeBuilder<unknown>

function ignore(): void {}

/** §13.2.6.4.17 "after body". */
export const afterBody: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws > 0) inBody.characters(tb, text.slice(0, ws))
    if (ws === text.length) return ''
    tb.mode = M.IN_BODY
    return text.slice(ws)
  },
  comment(tb, data) {
    // Insert a comment as the last child of the first element in the stack (the html element).
    tb.appendComment(tb.open.items[0]!, data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (t.id !== T.HTML) tb.mode = M.IN_BODY
    inBody.startTag(tb, t)
  },
  endTag(tb, t) {
    if (t.id === T.HTML) {
      // Fragment case: parse error, ignore.
      if (tb.context === null) tb.mode = M.AFTER_AFTER_BODY
      return
    }
    tb.mode = M.IN_BODY
    tb.processEndTag(t)
  },
  endOfFile(tb) {
    tb.stop()
  },
}

/** §13.2.6.4.18 "in frameset". */
export const inFrameset: ModeRules<TB> = {
  characters(tb, text) {
    // Whitespace is inserted; every other character is a parse error and ignored.
    const ws = onlyWs(text)
    if (ws.length > 0) tb.insertText(ws)
    return ''
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype: ignore,
  startTag(tb, t) {
    switch (t.id) {
      case T.HTML:
        inBody.startTag(tb, t)
        return
      case T.FRAMESET:
        tb.insertHtml(t)
        return
      case T.FRAME:
        tb.insertHtml(t)
        tb.open.pop()
        return
      case T.NOFRAMES:
        inHeadStartTag(tb, t)
        return
    }
  },
  endTag(tb, t) {
    if (t.id !== T.FRAMESET) return
    // If the current node is the root html element: parse error; ignore (fragment case).
    if (tb.current.index === 0) return
    tb.open.pop()
    if (tb.context === null && !tb.current.is(T.FRAMESET)) tb.mode = M.AFTER_FRAMESET
  },
  endOfFile(tb) {
    tb.stop()
  },
}

/** §13.2.6.4.19 "after frameset". */
export const afterFrameset: ModeRules<TB> = {
  characters(tb, text) {
    const ws = onlyWs(text)
    if (ws.length > 0) tb.insertText(ws)
    return ''
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (t.id === T.HTML) inBody.startTag(tb, t)
    else if (t.id === T.NOFRAMES) inHeadStartTag(tb, t)
  },
  endTag(tb, t) {
    if (t.id === T.HTML) tb.mode = M.AFTER_AFTER_FRAMESET
  },
  endOfFile(tb) {
    tb.stop()
  },
}

/** §13.2.6.4.20 "after after body". */
export const afterAfterBody: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws > 0) inBody.characters(tb, text.slice(0, ws))
    if (ws === text.length) return ''
    tb.mode = M.IN_BODY
    return text.slice(ws)
  },
  comment(tb, data) {
    tb.appendComment(null, data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (t.id !== T.HTML) tb.mode = M.IN_BODY
    inBody.startTag(tb, t)
  },
  endTag(tb, t) {
    tb.mode = M.IN_BODY
    tb.processEndTag(t)
  },
  endOfFile(tb) {
    tb.stop()
  },
}

/** §13.2.6.4.21 "after after frameset". */
export const afterAfterFrameset: ModeRules<TB> = {
  characters(tb, text) {
    // Whitespace is processed using the rules for "in body"; anything else is ignored.
    const ws = onlyWs(text)
    if (ws.length > 0) inBody.characters(tb, ws)
    return ''
  },
  comment(tb, data) {
    tb.appendComment(null, data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (t.id === T.HTML) inBody.startTag(tb, t)
    else if (t.id === T.NOFRAMES) inHeadStartTag(tb, t)
  },
  endTag: ignore,
  endOfFile(tb) {
    tb.stop()
  },
}
