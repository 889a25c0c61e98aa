import { M, type Mode, type ModeRules, type Tag } from './insertion-mode.js'
import { T } from './tag-sets.js'
import type { TreeBuilder } from './tree-builder.js'
import { inBody } from './rules-body.js'
import { inHead, inHeadStartTag } from './rules-head.js'

/** HTML §13.2.6.4.16 "in template". */

type TB = TreeBuilder<unknown>

function switchTemplateMode(tb: TB, mode: Mode, t: Tag): void {
  // Pop the current template insertion mode; push `mode`; switch to it; reprocess the token.
  tb.templateModes.pop()
  tb.templateModes.push(mode)
  tb.mode = mode
  tb.processStartTag(t)
}

export const inTemplate: ModeRules<TB> = {
  characters: (tb, text) => inBody.characters(tb, text),
  comment: (tb, data) => inBody.comment(tb, data),
  doctype() {},
  startTag(tb, t) {
    switch (t.id) {
      case T.BASE:
      case T.BASEFONT:
      case T.BGSOUND:
      case T.LINK:
      case T.META:
      case T.NOFRAMES:
      case T.SCRIPT:
      case T.STYLE:
      case T.TEMPLATE:
      case T.TITLE:
        inHeadStartTag(tb, t)
        return
      case T.CAPTION:
      case T.COLGROUP:
      case T.TBODY:
      case T.TFOOT:
      case T.THEAD:
        switchTemplateMode(tb, M.IN_TABLE, t)
        return
      case T.COL:
        switchTemplateMode(tb, M.IN_COLUMN_GROUP, t)
        return
      case T.TR:
        switchTemplateMode(tb, M.IN_TABLE_BODY, t)
        return
      case T.TD:
      case T.TH:
        switchTemplateMode(tb, M.IN_ROW, t)
        return
    }
    switchTemplateMode(tb, M.IN_BODY, t)
  },
  endTag(tb, t) {
    // An end tag "template": in head. Any other end tag: parse error; ignore.
    if (t.id === T.TEMPLATE) inHead.endTag(tb, t)
  },
  endOfFile(tb) {
    // If there is no template element on the stack, stop parsing (fragment case).
    if (!tb.open.has(T.TEMPLATE)) {
      tb.stop()
      return
    }
    // Parse error. Pop until a template element has been popped; clear the list of active formatting
    // elements up to the last marker; pop the current template insertion mode; reset; reprocess.
    tb.popUntil(T.TEMPLATE)
    tb.afe.clearToLastMarker()
    tb.templateModes.pop()
    tb.resetInsertionMode()
    tb.endOfFile()
  },
}
