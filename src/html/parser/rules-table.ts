import { M, type ModeRules, type Tag, dropNul, hasNonWs, wsPrefix } from './insertion-mode.js'
import { K, NS, T } from './tag-sets.js'
import type { TreeBuilder } from './tree-builder.js'
import { inBody } from './rules-body.js'
import { inHead, inHeadStartTag, templateEndTag } from './rules-head.js'

/**
 * HTML §13.2.6.4.9-15: in table, in table text, in caption, in column group, in table body, in row,
 * in cell. ("in select in table" is gone since the 2025 relaxed `<select>` parsing.)
 */

type TB = TreeBuilder<unknown>

function ignore(): void {}

function clearBackTo(tb: TB, a: number, b: number, c: number): void {
  for (;;) {
    const el = tb.current
    if (
      el.ns === NS.HTML &&
      (el.id === a || el.id === b || el.id === c || el.id === T.TEMPLATE || el.id === T.HTML)
    ) {
      return
    }
    tb.open.pop()
  }
}

/** §13.2.6.4.9 "clear the stack back to a table context". */
function clearToTable(tb: TB): void {
  clearBackTo(tb, T.TABLE, T.TABLE, T.TABLE)
}

/** "clear the stack back to a table body context". */
function clearToTableBody(tb: TB): void {
  clearBackTo(tb, T.TBODY, T.TFOOT, T.THEAD)
}

/** "clear the stack back to a table row context". */
function clearToRow(tb: TB): void {
  clearBackTo(tb, T.TR, T.TR, T.TR)
}

const TABLE_TEXT_PARENTS = new Set<number>([T.TABLE, T.TBODY, T.TEMPLATE, T.TFOOT, T.THEAD, T.TR])

/** §13.2.6.4.9 "in table". */
export const inTable: ModeRules<TB> = {
  characters(tb, text) {
    const c = tb.current
    if (c.ns === NS.HTML && TABLE_TEXT_PARENTS.has(c.id)) {
      tb.pendingTableText = ''
      tb.originalMode = tb.mode
      tb.mode = M.IN_TABLE_TEXT
      return text
    }
    inTableAnythingElseText(tb, text)
    return ''
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype: ignore,
  startTag(tb, t) {
    switch (t.id) {
      case T.CAPTION:
        clearToTable(tb)
        tb.afe.pushMarker()
        tb.insertHtml(t)
        tb.mode = M.IN_CAPTION
        return
      case T.COLGROUP:
        clearToTable(tb)
        tb.insertHtml(t)
        tb.mode = M.IN_COLUMN_GROUP
        return
      case T.COL:
        clearToTable(tb)
        tb.insertHtmlNamed('colgroup')
        tb.mode = M.IN_COLUMN_GROUP
        tb.processStartTag(t)
        return
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
        clearToTable(tb)
        tb.insertHtml(t)
        tb.mode = M.IN_TABLE_BODY
        return
      case T.TD:
      case T.TH:
      case T.TR:
        clearToTable(tb)
        tb.insertHtmlNamed('tbody')
        tb.mode = M.IN_TABLE_BODY
        tb.processStartTag(t)
        return
      case T.TABLE:
        // Parse error. If no table element is in table scope, ignore; otherwise pop until a table
        // element has been popped, reset the insertion mode, reprocess.
        if (!tb.open.inTableScope(T.TABLE)) return
        tb.popUntil(T.TABLE)
        tb.resetInsertionMode()
        tb.processStartTag(t)
        return
      case T.STYLE:
      case T.SCRIPT:
      case T.TEMPLATE:
        inHeadStartTag(tb, t)
        return
      case T.INPUT: {
        const type = t.attrs.find((a) => a.name === 'type')
        if (type === undefined || type.value.toLowerCase() !== 'hidden') break
        // Parse error. Insert an HTML element for the token; pop it.
        tb.insertHtml(t)
        tb.open.pop()
        return
      }
      case T.FORM: {
        // Parse error. The Standard: "if there is a template element on the stack of open elements, or
        // the form element pointer is not null, ignore the token". Chromium ignores it only when the
        // pointer is set outside a template (HTMLTreeBuilder, "in table" form), so inside a template
        // it inserts the form — live in a declarative shadow root, where the oracle sees it (found
        // by `npm run fuzz`, seed 20261202). tagwarden follows the browser.
        const inTemplate = tb.open.has(T.TEMPLATE)
        if (tb.form !== null && !inTemplate) return
        const form = tb.insertHtml(t)
        if (!inTemplate) tb.form = form
        tb.open.pop()
        return
      }
    }
    // Anything else: parse error; process using "in body" with foster parenting enabled.
    tb.fosterParenting = true
    inBody.startTag(tb, t)
    tb.fosterParenting = false
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.TABLE:
        if (!tb.open.inTableScope(T.TABLE)) return
        tb.popUntil(T.TABLE)
        tb.resetInsertionMode()
        return
      case T.BODY:
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.HTML:
      case T.TBODY:
      case T.TD:
      case T.TFOOT:
      case T.TH:
      case T.THEAD:
      case T.TR:
        return
      case T.TEMPLATE:
        templateEndTag(tb)
        return
    }
    tb.fosterParenting = true
    inBody.endTag(tb, t)
    tb.fosterParenting = false
  },
  endOfFile(tb) {
    inBody.endOfFile(tb)
  },
}

function inTableAnythingElseText(tb: TB, text: string): void {
  tb.fosterParenting = true
  inBody.characters(tb, text)
  tb.fosterParenting = false
}

/** §13.2.6.4.10 "in table text". */
export const inTableText: ModeRules<TB> = {
  characters(tb, text) {
    // U+0000: parse error, ignore. Any other character: append to the pending table character tokens.
    tb.pendingTableText += dropNul(text)
    return ''
  },
  comment(tb, data) {
    flushTableText(tb)
    tb.rules(tb.mode).comment(tb, data)
  },
  doctype(tb) {
    flushTableText(tb)
    tb.rules(tb.mode).doctype(tb)
  },
  startTag(tb, t) {
    flushTableText(tb)
    tb.processStartTag(t)
  },
  endTag(tb, t) {
    flushTableText(tb)
    tb.processEndTag(t)
  },
  endOfFile(tb) {
    flushTableText(tb)
    tb.endOfFile()
  },
}

/** "Anything else" in table text: insert the pending characters, then return to the original mode. */
function flushTableText(tb: TB): void {
  const pending = tb.pendingTableText
  tb.pendingTableText = ''
  tb.mode = tb.originalMode
  if (pending.length === 0) return
  // If any of the pending characters is not ASCII whitespace: parse error; process them using the
  // "anything else" rules of "in table" (foster parenting). Otherwise insert them.
  if (hasNonWs(pending)) inTableAnythingElseText(tb, pending)
  else tb.insertText(pending)
}

/** §13.2.6.4.11 "in caption". */
export const inCaption: ModeRules<TB> = {
  characters: (tb, text) => inBody.characters(tb, text),
  comment: (tb, data) => inBody.comment(tb, data),
  doctype: ignore,
  startTag(tb, t) {
    switch (t.id) {
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.TBODY:
      case T.TD:
      case T.TFOOT:
      case T.TH:
      case T.THEAD:
      case T.TR:
        if (closeCaption(tb)) tb.processStartTag(t)
        return
    }
    inBody.startTag(tb, t)
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.CAPTION:
        closeCaption(tb)
        return
      case T.TABLE:
        if (closeCaption(tb)) tb.processEndTag(t)
        return
      case T.BODY:
      case T.COL:
      case T.COLGROUP:
      case T.HTML:
      case T.TBODY:
      case T.TD:
      case T.TFOOT:
      case T.TH:
      case T.THEAD:
      case T.TR:
        return
    }
    inBody.endTag(tb, t)
  },
  endOfFile: (tb) => inBody.endOfFile(tb),
}

function closeCaption(tb: TB): boolean {
  // If the stack does not have a caption element in table scope: parse error; ignore the token.
  if (!tb.open.inTableScope(T.CAPTION)) return false
  tb.generateImpliedEndTags()
  tb.popUntil(T.CAPTION)
  tb.afe.clearToLastMarker()
  tb.mode = M.IN_TABLE
  return true
}

/** §13.2.6.4.12 "in column group". */
export const inColumnGroup: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws > 0) tb.insertText(text.slice(0, ws))
    if (ws === text.length) return ''
    return columnGroupAnythingElse(tb) ? text.slice(ws) : text.slice(ws + 1)
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
      case T.COL:
        tb.insertHtml(t)
        tb.open.pop()
        return
      case T.TEMPLATE:
        inHeadStartTag(tb, t)
        return
    }
    if (columnGroupAnythingElse(tb)) tb.processStartTag(t)
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.COLGROUP:
        if (!tb.current.is(T.COLGROUP)) return
        tb.open.pop()
        tb.mode = M.IN_TABLE
        return
      case T.COL:
        return
      case T.TEMPLATE:
        inHead.endTag(tb, t)
        return
    }
    if (columnGroupAnythingElse(tb)) tb.processEndTag(t)
  },
  endOfFile: (tb) => inBody.endOfFile(tb),
}

/** If the current node is not a colgroup element: parse error, ignore (false). Else pop; "in table". */
function columnGroupAnythingElse(tb: TB): boolean {
  if (!tb.current.is(T.COLGROUP)) return false
  tb.open.pop()
  tb.mode = M.IN_TABLE
  return true
}

const SECTIONS = [T.TBODY, T.THEAD, T.TFOOT]

/** §13.2.6.4.13 "in table body". */
export const inTableBody: ModeRules<TB> = {
  characters: (tb, text) => inTable.characters(tb, text),
  comment: (tb, data) => inTable.comment(tb, data),
  doctype: ignore,
  startTag(tb, t) {
    switch (t.id) {
      case T.TR:
        clearToTableBody(tb)
        tb.insertHtml(t)
        tb.mode = M.IN_ROW
        return
      case T.TH:
      case T.TD:
        clearToTableBody(tb)
        tb.insertHtmlNamed('tr')
        tb.mode = M.IN_ROW
        tb.processStartTag(t)
        return
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
        if (closeSection(tb)) tb.processStartTag(t)
        return
    }
    inTable.startTag(tb, t)
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
        if (!tb.open.inTableScope(t.id)) return
        clearToTableBody(tb)
        tb.open.pop()
        tb.mode = M.IN_TABLE
        return
      case T.TABLE:
        if (closeSection(tb)) tb.processEndTag(t)
        return
      case T.BODY:
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.HTML:
      case T.TD:
      case T.TH:
      case T.TR:
        return
    }
    inTable.endTag(tb, t)
  },
  endOfFile: (tb) => inTable.endOfFile(tb),
}

function closeSection(tb: TB): boolean {
  // If the stack has no tbody, thead or tfoot element in table scope: parse error; ignore.
  if (!tb.anyInScope(SECTIONS, tb.open.topOfKind(K.TABLE))) return false
  clearToTableBody(tb)
  tb.open.pop()
  tb.mode = M.IN_TABLE
  return true
}

/** §13.2.6.4.14 "in row". */
export const inRow: ModeRules<TB> = {
  characters: (tb, text) => inTable.characters(tb, text),
  comment: (tb, data) => inTable.comment(tb, data),
  doctype: ignore,
  startTag(tb, t) {
    switch (t.id) {
      case T.TH:
      case T.TD:
        clearToRow(tb)
        tb.insertHtml(t)
        tb.mode = M.IN_CELL
        tb.afe.pushMarker()
        return
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
      case T.TR:
        if (closeRow(tb)) tb.processStartTag(t)
        return
    }
    inTable.startTag(tb, t)
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.TR:
        closeRow(tb)
        return
      case T.TABLE:
        if (closeRow(tb)) tb.processEndTag(t)
        return
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
        if (!tb.open.inTableScope(t.id)) return
        if (closeRow(tb)) tb.processEndTag(t)
        return
      case T.BODY:
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.HTML:
      case T.TD:
      case T.TH:
        return
    }
    inTable.endTag(tb, t)
  },
  endOfFile: (tb) => inTable.endOfFile(tb),
}

function closeRow(tb: TB): boolean {
  if (!tb.open.inTableScope(T.TR)) return false
  clearToRow(tb)
  tb.open.pop()
  tb.mode = M.IN_TABLE_BODY
  return true
}

const CELLS = [T.TD, T.TH]

/** §13.2.6.4.15 "in cell". */
export const inCell: ModeRules<TB> = {
  characters: (tb, text) => inBody.characters(tb, text),
  comment: (tb, data) => inBody.comment(tb, data),
  doctype: ignore,
  startTag(tb, t) {
    switch (t.id) {
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.TBODY:
      case T.TD:
      case T.TFOOT:
      case T.TH:
      case T.THEAD:
      case T.TR:
        // If the stack does not have a td or th element in table scope: parse error; ignore.
        if (!tb.anyInScope(CELLS, tb.open.topOfKind(K.TABLE))) return
        closeCell(tb)
        tb.processStartTag(t)
        return
    }
    inBody.startTag(tb, t)
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.TD:
      case T.TH:
        if (!tb.open.inTableScope(t.id)) return
        tb.generateImpliedEndTags()
        tb.popUntil(t.id)
        tb.afe.clearToLastMarker()
        tb.mode = M.IN_ROW
        return
      case T.BODY:
      case T.CAPTION:
      case T.COL:
      case T.COLGROUP:
      case T.HTML:
        return
      case T.TABLE:
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
      case T.TR:
        if (!tb.open.inTableScope(t.id)) return
        closeCell(tb)
        tb.processEndTag(t)
        return
    }
    inBody.endTag(tb, t)
  },
  endOfFile: (tb) => inBody.endOfFile(tb),
}

/** §13.2.6.4.15 "close the cell". */
function closeCell(tb: TB): void {
  tb.generateImpliedEndTags()
  const top = tb.topIndexOfAny(CELLS)
  tb.popUntil(tb.open.items[top]!.id)
  tb.afe.clearToLastMarker()
  tb.mode = M.IN_ROW
}

export type { Tag }
