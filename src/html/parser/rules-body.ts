import { M, type ModeRules, type Tag, dropNul, hasNonWs } from './insertion-mode.js'
import { K, NS, T } from './tag-sets.js'
import { TextState } from './tokens.js'
import type { TreeBuilder } from './tree-builder.js'
import { inHeadStartTag, templateEndTag } from './rules-head.js'
import { inTemplate } from './rules-template.js'

/** HTML §13.2.6.4.7 "in body" (with the 2025 relaxed `<select>` rules) and §13.2.6.4.8 "text". */

type TB = TreeBuilder<unknown>

const HEADINGS = [T.H1, T.H2, T.H3, T.H4, T.H5, T.H6]
const DD_DT = [T.DD, T.DT]

function ignore(): void {}

export const inBody: ModeRules<TB> = {
  characters(tb, text) {
    // U+0000: parse error, ignore the token.
    text = dropNul(text)
    if (text.length === 0) return ''
    tb.reconstructFormatting()
    tb.insertText(text)
    if (tb.framesetOk && hasNonWs(text)) tb.framesetOk = false
    return ''
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype: ignore,
  startTag: inBodyStartTag,
  endTag: inBodyEndTag,
  endOfFile(tb) {
    // If the stack of template insertion modes is not empty, process the token using "in template".
    if (tb.templateModes.length > 0) {
      inTemplate.endOfFile(tb)
      return
    }
    tb.stop()
  },
}

function inBodyStartTag(tb: TB, t: Tag): void {
  const open = tb.open
  switch (t.id) {
    case T.HTML:
      // Parse error. If there is a template element on the stack, ignore the token; otherwise add the
      // attributes the top element lacks.
      if (!open.has(T.TEMPLATE)) tb.mergeAttributes(open.items[0]!, t.attrs)
      return
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
    case T.BODY: {
      // Parse error. If the second element on the stack is not a body element, the stack has only one
      // node, or there is a template element on the stack, ignore the token.
      const body = open.items[1]
      if (body === undefined || !body.is(T.BODY) || open.has(T.TEMPLATE)) return
      tb.framesetOk = false
      tb.mergeAttributes(body, t.attrs)
      return
    }
    case T.FRAMESET: {
      const body = open.items[1]
      if (body === undefined || !body.is(T.BODY) || !tb.framesetOk) return
      // Remove the second element from its parent node; pop all but the html element; insert the
      // frameset; switch to "in frameset".
      tb.adapter.detach(body.handle)
      body.parent = null
      body.parentNode = null
      while (open.length > 1) open.pop()
      tb.insertHtml(t)
      tb.mode = M.IN_FRAMESET
      return
    }
    case T.ADDRESS:
    case T.ARTICLE:
    case T.ASIDE:
    case T.BLOCKQUOTE:
    case T.CENTER:
    case T.DETAILS:
    case T.DIALOG:
    case T.DIR:
    case T.DIV:
    case T.DL:
    case T.FIELDSET:
    case T.FIGCAPTION:
    case T.FIGURE:
    case T.FOOTER:
    case T.HEADER:
    case T.HGROUP:
    case T.MAIN:
    case T.MENU:
    case T.NAV:
    case T.OL:
    case T.P:
    case T.SEARCH:
    case T.SECTION:
    case T.SUMMARY:
    case T.UL:
      tb.closePIfInButtonScope()
      tb.insertHtml(t)
      return
    case T.H1:
    case T.H2:
    case T.H3:
    case T.H4:
    case T.H5:
    case T.H6: {
      tb.closePIfInButtonScope()
      // If the current node is an HTML element whose tag name is one of h1..h6: parse error; pop it.
      const c = tb.current
      if (c.ns === NS.HTML && c.id >= T.H1 && c.id <= T.H6) open.pop()
      tb.insertHtml(t)
      return
    }
    case T.PRE:
    case T.LISTING:
      tb.closePIfInButtonScope()
      tb.insertHtml(t)
      // If the next token is a U+000A LINE FEED (LF) character token, ignore it.
      tb.skipNewline = true
      tb.framesetOk = false
      return
    case T.FORM: {
      const template = open.has(T.TEMPLATE)
      // If the form element pointer is not null and there is no template on the stack: parse error; ignore.
      if (tb.form !== null && !template) return
      tb.closePIfInButtonScope()
      const form = tb.insertHtml(t)
      if (!template) tb.form = form
      return
    }
    case T.LI:
      listItemStartTag(tb, t, [T.LI])
      return
    case T.DD:
    case T.DT:
      listItemStartTag(tb, t, DD_DT)
      return
    case T.PLAINTEXT:
      tb.closePIfInButtonScope()
      tb.insertHtml(t)
      tb.switchTokenizer(TextState.PLAINTEXT)
      return
    case T.BUTTON:
      // If the stack has a button element in scope: parse error; generate implied end tags; pop until
      // a button element has been popped.
      if (open.inScope(T.BUTTON)) {
        tb.generateImpliedEndTags()
        tb.popUntil(T.BUTTON)
      }
      tb.reconstructFormatting()
      tb.insertHtml(t)
      tb.framesetOk = false
      return
    case T.A: {
      // If the list contains an a element after the last marker: parse error; run the adoption agency
      // algorithm for the token, then remove that element from the list and the stack if it is still there.
      const a = tb.afe.lastBeforeMarker(T.A)
      if (a !== undefined) {
        if (!tb.adoptionAgency(t)) tb.anyOtherEndTagInBody(t)
        tb.afe.remove(a)
        open.remove(a)
      }
      tb.reconstructFormatting()
      tb.insertFormatting(t)
      return
    }
    case T.B:
    case T.BIG:
    case T.CODE:
    case T.EM:
    case T.FONT:
    case T.I:
    case T.S:
    case T.SMALL:
    case T.STRIKE:
    case T.STRONG:
    case T.TT:
    case T.U:
      tb.reconstructFormatting()
      tb.insertFormatting(t)
      return
    case T.NOBR:
      tb.reconstructFormatting()
      if (open.inScope(T.NOBR)) {
        if (!tb.adoptionAgency(t)) tb.anyOtherEndTagInBody(t)
        tb.reconstructFormatting()
      }
      tb.insertFormatting(t)
      return
    case T.APPLET:
    case T.MARQUEE:
    case T.OBJECT:
      tb.reconstructFormatting()
      tb.insertHtml(t)
      tb.afe.pushMarker()
      tb.framesetOk = false
      return
    case T.TABLE:
      // If the Document is not in quirks mode and a p element is in button scope, close a p element.
      if (!tb.quirks) tb.closePIfInButtonScope()
      tb.insertHtml(t)
      tb.framesetOk = false
      tb.mode = M.IN_TABLE
      return
    case T.AREA:
    case T.BR:
    case T.EMBED:
    case T.IMG:
    case T.KEYGEN:
    case T.WBR:
      voidElement(tb, t)
      return
    case T.INPUT: {
      // 2025: in the fragment case with a select context element, parse error; ignore the token.
      if (isSelectFragment(tb)) return
      // If the stack has a select element in scope: parse error; pop until a select element has been popped.
      if (open.inScope(T.SELECT)) tb.popUntil(T.SELECT)
      tb.reconstructFormatting()
      tb.insertHtml(t)
      open.pop()
      const type = attr(t, 'type')
      if (type === undefined || type.toLowerCase() !== 'hidden') tb.framesetOk = false
      return
    }
    case T.PARAM:
    case T.SOURCE:
    case T.TRACK:
      tb.insertHtml(t)
      open.pop()
      return
    case T.HR:
      tb.closePIfInButtonScope()
      // 2025: if the stack has a select element in scope, generate implied end tags (an option or
      // optgroup still in scope is a parse error).
      if (open.inScope(T.SELECT)) tb.generateImpliedEndTags()
      tb.insertHtml(t)
      open.pop()
      tb.framesetOk = false
      return
    case T.IMAGE:
      // Parse error. Change the token's tag name to "img" and reprocess it. (Don't ask.)
      t.name = 'img'
      t.id = T.IMG
      tb.processStartTag(t)
      return
    case T.TEXTAREA:
      tb.insertHtml(t)
      tb.skipNewline = true
      tb.switchTokenizer(TextState.RCDATA)
      tb.originalMode = tb.mode
      tb.framesetOk = false
      tb.mode = M.TEXT
      return
    case T.XMP:
      tb.closePIfInButtonScope()
      tb.reconstructFormatting()
      tb.framesetOk = false
      tb.parseRawText(t, TextState.RAWTEXT)
      return
    case T.IFRAME:
      tb.framesetOk = false
      tb.parseRawText(t, TextState.RAWTEXT)
      return
    case T.NOEMBED:
    case T.NOSCRIPT: // the scripting flag is enabled
      tb.parseRawText(t, TextState.RAWTEXT)
      return
    case T.SELECT:
      // 2025: in the fragment case with a select context element, parse error; ignore the token.
      if (isSelectFragment(tb)) return
      // If the stack has a select element in scope: parse error; pop until a select element has been
      // popped (the token is then ignored).
      if (open.inScope(T.SELECT)) {
        tb.popUntil(T.SELECT)
        return
      }
      tb.reconstructFormatting()
      tb.insertHtml(t)
      tb.framesetOk = false
      return
    case T.OPTION:
      // 2025: if the stack has a select element in scope, generate implied end tags except for optgroup
      // elements (an option still in scope is a parse error); otherwise, if the current node is an
      // option element, pop it.
      if (open.inScope(T.SELECT)) tb.generateImpliedEndTags(T.OPTGROUP)
      else if (tb.current.is(T.OPTION)) open.pop()
      tb.reconstructFormatting()
      tb.insertHtml(t)
      return
    case T.OPTGROUP:
      // 2025: if the stack has a select element in scope, generate implied end tags (an option or
      // optgroup still in scope is a parse error); otherwise, if the current node is an option, pop it.
      if (open.inScope(T.SELECT)) tb.generateImpliedEndTags()
      else if (tb.current.is(T.OPTION)) open.pop()
      tb.reconstructFormatting()
      tb.insertHtml(t)
      return
    case T.RB:
    case T.RTC:
      if (open.inScope(T.RUBY)) tb.generateImpliedEndTags()
      tb.insertHtml(t)
      return
    case T.RP:
    case T.RT:
      if (open.inScope(T.RUBY)) tb.generateImpliedEndTags(T.RTC)
      tb.insertHtml(t)
      return
    case T.MATH:
    case T.SVG:
      tb.reconstructFormatting()
      tb.insertForeign(t, t.id === T.MATH ? NS.MATHML : NS.SVG)
      // If the token has its self-closing flag set, pop the current node.
      if (t.selfClosing) open.pop()
      return
    case T.CAPTION:
    case T.COL:
    case T.COLGROUP:
    case T.FRAME:
    case T.HEAD:
    case T.TBODY:
    case T.TD:
    case T.TFOOT:
    case T.TH:
    case T.THEAD:
    case T.TR:
      return
  }
  // Any other start tag.
  tb.reconstructFormatting()
  tb.insertHtml(t)
}

/** li, dd, dt start tags: close an open one unless a special element (not address, div, p) comes first. */
function listItemStartTag(tb: TB, t: Tag, ids: readonly number[]): void {
  tb.framesetOk = false
  // The Standard's loop walks down from the current node; it meets the topmost li (dd/dt) before any
  // stopping element exactly when that one is at or above the topmost stopping element.
  const top = tb.topIndexOfAny(ids)
  if (top >= 0 && top >= tb.open.topOfKind(K.LI_STOP)) {
    const id = tb.open.items[top]!.id
    tb.generateImpliedEndTags(id)
    tb.popUntil(id)
  }
  tb.closePIfInButtonScope()
  tb.insertHtml(t)
}

function voidElement(tb: TB, t: Tag): void {
  tb.reconstructFormatting()
  tb.insertHtml(t)
  tb.open.pop()
  tb.framesetOk = false
}

function isSelectFragment(tb: TB): boolean {
  return tb.context !== null && tb.context.is(T.SELECT)
}

function attr(t: Tag, name: string): string | undefined {
  for (const a of t.attrs) if (a.name === name) return a.value
  return undefined
}

function inBodyEndTag(tb: TB, t: Tag): void {
  const open = tb.open
  switch (t.id) {
    case T.TEMPLATE:
      templateEndTag(tb)
      return
    case T.BODY:
      // If the stack does not have a body element in scope: parse error; ignore the token.
      if (!open.inScope(T.BODY)) return
      tb.mode = M.AFTER_BODY
      return
    case T.HTML:
      if (!open.inScope(T.BODY)) return
      tb.mode = M.AFTER_BODY
      tb.processEndTag(t)
      return
    case T.ADDRESS:
    case T.ARTICLE:
    case T.ASIDE:
    case T.BLOCKQUOTE:
    case T.BUTTON:
    case T.CENTER:
    case T.DETAILS:
    case T.DIALOG:
    case T.DIR:
    case T.DIV:
    case T.DL:
    case T.FIELDSET:
    case T.FIGCAPTION:
    case T.FIGURE:
    case T.FOOTER:
    case T.HEADER:
    case T.HGROUP:
    case T.LISTING:
    case T.MAIN:
    case T.MENU:
    case T.NAV:
    case T.OL:
    case T.PRE:
    case T.SEARCH:
    case T.SECTION:
    case T.SELECT:
    case T.SUMMARY:
    case T.UL:
      // If the stack does not have an element in scope that is an HTML element with the same tag name:
      // parse error; ignore. Otherwise generate implied end tags; pop until that element is popped.
      if (!open.inScope(t.id)) return
      tb.generateImpliedEndTags()
      tb.popUntil(t.id)
      return
    case T.FORM:
      formEndTag(tb)
      return
    case T.P:
      // If there is no p element in button scope: parse error; insert an HTML element for a "p" start
      // tag token with no attributes. Then close a p element.
      if (!open.inButtonScope(T.P)) tb.insertHtmlNamed('p')
      tb.closeP()
      return
    case T.LI:
      if (!open.inListItemScope(T.LI)) return
      tb.generateImpliedEndTags(T.LI)
      tb.popUntil(T.LI)
      return
    case T.DD:
    case T.DT:
      if (!open.inScope(t.id)) return
      tb.generateImpliedEndTags(t.id)
      tb.popUntil(t.id)
      return
    case T.H1:
    case T.H2:
    case T.H3:
    case T.H4:
    case T.H5:
    case T.H6:
      if (!tb.anyInScope(HEADINGS, open.topOfKind(K.SCOPE))) return
      tb.generateImpliedEndTags()
      tb.popUntilHeading()
      return
    case T.A:
    case T.B:
    case T.BIG:
    case T.CODE:
    case T.EM:
    case T.FONT:
    case T.I:
    case T.NOBR:
    case T.S:
    case T.SMALL:
    case T.STRIKE:
    case T.STRONG:
    case T.TT:
    case T.U:
      if (!tb.adoptionAgency(t)) tb.anyOtherEndTagInBody(t)
      return
    case T.APPLET:
    case T.MARQUEE:
    case T.OBJECT:
      if (!open.inScope(t.id)) return
      tb.generateImpliedEndTags()
      tb.popUntil(t.id)
      tb.afe.clearToLastMarker()
      return
    case T.BR:
      // Parse error. Drop the attributes and act as if this were a "br" start tag token with none.
      voidElement(tb, { name: 'br', id: T.BR, attrs: [], selfClosing: false })
      return
  }
  tb.anyOtherEndTagInBody(t)
}

/** §13.2.6.4.7, an end tag whose tag name is "form". */
function formEndTag(tb: TB): void {
  const open = tb.open
  if (!open.has(T.TEMPLATE)) {
    // 1-3. Let node be the form element pointer; set the pointer to null. If node is null or not in
    // scope: parse error; return.
    const node = tb.form
    tb.form = null
    if (node === null || !open.elementInScope(node)) return
    // 4-6. Generate implied end tags; remove node from the stack.
    tb.generateImpliedEndTags()
    open.remove(node)
    return
  }
  if (!open.inScope(T.FORM)) return
  tb.generateImpliedEndTags()
  tb.popUntil(T.FORM)
}

/** §13.2.6.4.8 "text". */
export const text: ModeRules<TB> = {
  characters(tb, data) {
    tb.insertText(data)
    return ''
  },
  comment: ignore,
  doctype: ignore,
  startTag: ignore,
  endTag(tb) {
    // "script" and any other end tag: pop the current node; switch to the original insertion mode.
    tb.open.pop()
    tb.mode = tb.originalMode
  },
  endOfFile(tb) {
    // Parse error. Pop the current node; switch to the original insertion mode; reprocess.
    tb.open.pop()
    tb.mode = tb.originalMode
    tb.endOfFile()
  },
}
