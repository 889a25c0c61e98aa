import { M, type ModeRules, type Tag, isWs, wsPrefix } from './insertion-mode.js'
import { NS, T } from './tag-sets.js'
import { TextState } from './tokens.js'
import type { TreeBuilder } from './tree-builder.js'
import { inBody } from './rules-body.js'

/** HTML §13.2.6.4.1-6: initial, before html, before head, in head, in head noscript, after head. */

type TB = TreeBuilder<unknown>

function ignore(): void {}

/** §13.2.6.4.1 "initial". The DOCTYPE itself is handled by the tree builder. */
export const initial: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws === text.length) return ''
    initialAnythingElse(tb)
    return text.slice(ws)
  },
  comment(tb, data) {
    tb.appendComment(null, data)
  },
  doctype: ignore,
  startTag(tb, t) {
    initialAnythingElse(tb)
    tb.processStartTag(t)
  },
  endTag(tb, t) {
    initialAnythingElse(tb)
    tb.processEndTag(t)
  },
  endOfFile(tb) {
    initialAnythingElse(tb)
    tb.endOfFile()
  },
}

function initialAnythingElse(tb: TB): void {
  // Not an iframe srcdoc document: parse error; set the Document to quirks mode.
  tb.setDocumentMode('quirks')
  tb.mode = M.BEFORE_HTML
}

/** §13.2.6.4.2 "before html". */
export const beforeHtml: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws === text.length) return ''
    beforeHtmlAnythingElse(tb, [])
    return text.slice(ws)
  },
  comment(tb, data) {
    tb.appendComment(null, data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (t.id === T.HTML) {
      beforeHtmlAnythingElse(tb, t.attrs)
      return
    }
    beforeHtmlAnythingElse(tb, [])
    tb.processStartTag(t)
  },
  endTag(tb, t) {
    if (t.id !== T.HEAD && t.id !== T.BODY && t.id !== T.HTML && t.id !== T.BR) return
    beforeHtmlAnythingElse(tb, [])
    tb.processEndTag(t)
  },
  endOfFile(tb) {
    beforeHtmlAnythingElse(tb, [])
    tb.endOfFile()
  },
}

/** Create an html element (the token's attributes, or none), append it to the Document, push it. */
function beforeHtmlAnythingElse(tb: TB, attrs: Tag['attrs']): void {
  const html = tb.createElement('html', T.HTML, NS.HTML, attrs)
  tb.adapter.appendChild(tb.adapter.document, html.handle)
  html.parentNode = tb.adapter.document
  tb.open.push(html)
  tb.htmlElement = html
  tb.mode = M.BEFORE_HEAD
}

/** §13.2.6.4.3 "before head". */
export const beforeHead: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws === text.length) return ''
    insertHead(tb, null)
    return text.slice(ws)
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (t.id === T.HTML) {
      inBody.startTag(tb, t)
      return
    }
    if (t.id === T.HEAD) {
      insertHead(tb, t)
      return
    }
    insertHead(tb, null)
    tb.processStartTag(t)
  },
  endTag(tb, t) {
    if (t.id !== T.HEAD && t.id !== T.BODY && t.id !== T.HTML && t.id !== T.BR) return
    insertHead(tb, null)
    tb.processEndTag(t)
  },
  endOfFile(tb) {
    insertHead(tb, null)
    tb.endOfFile()
  },
}

function insertHead(tb: TB, t: Tag | null): void {
  tb.head = t === null ? tb.insertHtmlNamed('head') : tb.insertHtml(t)
  tb.mode = M.IN_HEAD
}

/** §13.2.6.4.4 "in head". */
export const inHead: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws > 0) tb.insertText(text.slice(0, ws))
    if (ws === text.length) return ''
    inHeadAnythingElse(tb)
    return text.slice(ws)
  },
  comment(tb, data) {
    tb.insertComment(data)
  },
  doctype: ignore,
  startTag(tb, t) {
    if (!inHeadStartTag(tb, t)) {
      inHeadAnythingElse(tb)
      tb.processStartTag(t)
    }
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.HEAD:
        tb.open.pop()
        tb.mode = M.AFTER_HEAD
        return
      case T.BODY:
      case T.HTML:
      case T.BR:
        inHeadAnythingElse(tb)
        tb.processEndTag(t)
        return
      case T.TEMPLATE:
        templateEndTag(tb)
        return
    }
  },
  endOfFile(tb) {
    inHeadAnythingElse(tb)
    tb.endOfFile()
  },
}

/** The start tags "in head" handles itself; false for "anything else". */
export function inHeadStartTag(tb: TB, t: Tag): boolean {
  switch (t.id) {
    case T.HTML:
      inBody.startTag(tb, t)
      return true
    case T.BASE:
    case T.BASEFONT:
    case T.BGSOUND:
    case T.LINK:
    case T.META:
      // Insert an HTML element for the token. Immediately pop the current node off the stack.
      tb.insertHtml(t)
      tb.open.pop()
      return true
    case T.TITLE:
      tb.parseRawText(t, TextState.RCDATA)
      return true
    case T.NOSCRIPT: // the scripting flag is enabled
    case T.NOFRAMES:
    case T.STYLE:
      tb.parseRawText(t, TextState.RAWTEXT)
      return true
    case T.SCRIPT:
      tb.parseRawText(t, TextState.ScriptData)
      return true
    case T.TEMPLATE:
      templateStartTag(tb, t)
      return true
    case T.HEAD:
      return true
  }
  return false
}

function inHeadAnythingElse(tb: TB): void {
  // Pop the current node (which will be the head element) off the stack of open elements.
  tb.open.pop()
  tb.mode = M.AFTER_HEAD
}

/** §13.2.6.4.4, a start tag whose tag name is "template" (with declarative shadow roots). */
export function templateStartTag(tb: TB, t: Tag): void {
  // 2-5. Insert a marker; frameset-ok "not ok"; "in template"; push "in template" on the template modes.
  tb.afe.pushMarker()
  tb.framesetOk = false
  tb.mode = M.IN_TEMPLATE
  tb.templateModes.push(M.IN_TEMPLATE)
  // 9. If the shadowrootmode attribute is in the None state, or the document does not allow declarative
  // shadow roots (fragment parsing, as innerHTML), or the adjusted current node is the topmost element
  // of the stack, then insert an HTML element for the token.
  const mode = shadowRootMode(t)
  const host = tb.adjustedCurrent!
  if (mode === null || tb.context !== null || host.index === 0) {
    tb.insertHtml(t)
    return
  }
  // 10.1-2. The declarative shadow host element is the adjusted current node; the template is only
  // pushed onto the stack.
  const template = tb.insertElement(t.name, t.id, NS.HTML, t.attrs, true)
  // 10.7. If the host is a shadow host, or attaching a shadow root throws (not an element that may host
  // one), insert the template at the adjusted insertion location: an ordinary, inert template.
  if (host.shadowHost || host.ns !== NS.HTML || !isValidShadowHostName(host.name)) {
    tb.insertAtPlace(template)
    return
  }
  host.shadowHost = true
  template.contents = tb.adapter.attachShadowRoot(host.handle, template.handle, {
    mode,
    clonable: template.attr('shadowrootclonable') !== undefined,
    serializable: template.attr('shadowrootserializable') !== undefined,
    delegatesFocus: template.attr('shadowrootdelegatesfocus') !== undefined,
  })
}

/** The shadowrootmode enumerated attribute: "open" or "closed", ASCII case-insensitive; else None. */
function shadowRootMode(t: Tag): 'open' | 'closed' | null {
  for (const a of t.attrs) {
    if (a.name !== 'shadowrootmode') continue
    const v = a.value.toLowerCase()
    return v === 'open' || v === 'closed' ? v : null
  }
  return null
}

const SHADOW_HOST_NAMES = new Set([
  'article',
  'aside',
  'blockquote',
  'body',
  'div',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'main',
  'nav',
  'p',
  'section',
  'span',
])

const RESERVED_CUSTOM_NAMES = new Set([
  'annotation-xml',
  'color-profile',
  'font-face',
  'font-face-src',
  'font-face-uri',
  'font-face-format',
  'font-face-name',
  'missing-glyph',
])

/** DOM "attach a shadow root" step: a valid shadow host name (HTML §4.13.3 valid custom element name, or the list). */
function isValidShadowHostName(name: string): boolean {
  return SHADOW_HOST_NAMES.has(name) || isValidCustomElementName(name)
}

/** HTML §4.13.3: [a-z] (PCENChar)* '-' (PCENChar)*, not a reserved name. */
function isValidCustomElementName(name: string): boolean {
  const first = name.charCodeAt(0)
  if (!(first >= 0x61 && first <= 0x7a) || name.indexOf('-') < 0 || RESERVED_CUSTOM_NAMES.has(name))
    return false
  for (const ch of name) {
    const c = ch.codePointAt(0)!
    const ok =
      c === 0x2d ||
      c === 0x2e ||
      (c >= 0x30 && c <= 0x39) ||
      c === 0x5f ||
      (c >= 0x61 && c <= 0x7a) ||
      c === 0xb7 ||
      (c >= 0xc0 && c <= 0xd6) ||
      (c >= 0xd8 && c <= 0xf6) ||
      (c >= 0xf8 && c <= 0x37d) ||
      (c >= 0x37f && c <= 0x1fff) ||
      (c >= 0x200c && c <= 0x200d) ||
      (c >= 0x203f && c <= 0x2040) ||
      (c >= 0x2070 && c <= 0x218f) ||
      (c >= 0x2c00 && c <= 0x2fef) ||
      (c >= 0x3001 && c <= 0xd7ff) ||
      (c >= 0xf900 && c <= 0xfdcf) ||
      (c >= 0xfdf0 && c <= 0xfffd) ||
      (c >= 0x10000 && c <= 0xeffff)
    if (!ok) return false
  }
  return true
}

/** §13.2.6.4.4, an end tag whose tag name is "template". */
export function templateEndTag(tb: TB): void {
  if (!tb.open.has(T.TEMPLATE)) return
  tb.generateImpliedEndTagsThoroughly()
  tb.popUntil(T.TEMPLATE)
  tb.afe.clearToLastMarker()
  tb.templateModes.pop()
  tb.resetInsertionMode()
}

/** §13.2.6.4.5 "in head noscript": only reached with scripting disabled, which this parser never is. */
export const inHeadNoscript: ModeRules<TB> = inHead

/** §13.2.6.4.6 "after head". */
export const afterHead: ModeRules<TB> = {
  characters(tb, text) {
    const ws = wsPrefix(text)
    if (ws > 0) tb.insertText(text.slice(0, ws))
    if (ws === text.length) return ''
    afterHeadAnythingElse(tb)
    return text.slice(ws)
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
      case T.BODY:
        tb.insertHtml(t)
        tb.framesetOk = false
        tb.mode = M.IN_BODY
        return
      case T.FRAMESET:
        tb.insertHtml(t)
        tb.mode = M.IN_FRAMESET
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
      case T.TITLE: {
        // Parse error. Push the head element onto the stack, process the token using the rules for
        // "in head", then remove the head element from the stack (wherever it is now).
        const head = tb.head!
        tb.open.push(head)
        inHeadStartTag(tb, t)
        tb.open.remove(head)
        return
      }
      case T.HEAD:
        return
    }
    afterHeadAnythingElse(tb)
    tb.processStartTag(t)
  },
  endTag(tb, t) {
    switch (t.id) {
      case T.TEMPLATE:
        templateEndTag(tb)
        return
      case T.BODY:
      case T.HTML:
      case T.BR:
        afterHeadAnythingElse(tb)
        tb.processEndTag(t)
        return
    }
  },
  endOfFile(tb) {
    afterHeadAnythingElse(tb)
    tb.endOfFile()
  },
}

function afterHeadAnythingElse(tb: TB): void {
  tb.insertHtmlNamed('body')
  tb.mode = M.IN_BODY
}

export { isWs }
