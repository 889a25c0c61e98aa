import { El, SEL } from './element.js'
import {
  adjustForeignAttributes,
  adjustMathMlAttributes,
  adjustSvgAttributes,
  annotationXmlIsIntegrationPoint,
} from './foreign.js'
import { FormattingElements } from './formatting-elements.js'
import { M, type Mode, type ModeRules, type Tag } from './insertion-mode.js'
import { OpenElements } from './open-elements.js'
import { FOREIGN_RULES, useForeignRules } from './rules-foreign.js'
import { MODE_RULES } from './rules.js'
import {
  IMPLIED_END,
  IMPLIED_END_THOROUGH,
  K,
  NAMESPACE_URI,
  NS,
  T,
  kindsOf,
  tagId,
  type Ns,
} from './tag-sets.js'
import {
  TextState,
  type Attribute,
  type DoctypeToken,
  type TagToken,
  type TokenSink,
  type TokenizerControl,
} from './tokens.js'
import type { DocumentMode, TreeAdapter } from './tree-adapter.js'

export interface TreeBuilderOptions {
  /**
   * Chromium's `kMaximumHTMLParserDOMTreeDepth`: once the stack of open elements holds more elements
   * than this, a new element (or comment) goes to its parent's parent instead (Chromium
   * `HTMLConstructionSite::AttachLater`), so trees stay as deep as Chromium's. Default 512; Infinity for
   * the Standard's unbounded trees.
   */
  maxTreeDepth?: number
  /**
   * Parse as the HTML fragment parsing algorithm does (§13.4) with this context element: its local name
   * and namespace URI (HTML when omitted). The document node is then the fragment's root.
   */
  fragmentContext?: { name: string; namespace?: string; attrs?: Attribute[] }
  /**
   * Called once when the stack of open elements grows past `maxOpenElements` (default unbounded);
   * the tree builder then ignores every later token, so its memory stays bounded.
   */
  maxOpenElements?: number
  onTooDeep?: () => void
}

/**
 * The HTML tree builder, HTML Standard §13.2.6 as it stands today (relaxed `<select>` parsing,
 * `<selectedcontent>` cloning, declarative shadow roots), scripting enabled. It is the tokenizer's
 * `TokenSink` and drives a `TreeAdapter`. Rules live in one module per group of insertion modes
 * (rules-*.ts); this class holds the parser state (§13.2.4) and the algorithms the rules share.
 */
export class TreeBuilder<N> implements TokenSink {
  readonly adapter: TreeAdapter<N>
  control: TokenizerControl
  readonly open: OpenElements<N>
  readonly afe: FormattingElements<N>
  mode: Mode = M.INITIAL
  originalMode: Mode = M.INITIAL
  readonly templateModes: Mode[] = []
  head: El<N> | null = null
  form: El<N> | null = null
  framesetOk = true
  fosterParenting = false
  documentMode: DocumentMode = 'no-quirks'
  /** Pending table character tokens (§13.2.6.4.10). */
  pendingTableText = ''
  /** The next token is to be dropped if it is a U+000A (after pre, listing, textarea start tags). */
  skipNewline = false
  /** The context element of the fragment case (§13.4), not on the stack. */
  readonly context: El<N> | null = null
  readonly maxTreeDepth: number
  /** The html element (the document's root element, or the fragment case's root). */
  htmlElement: El<N> | null = null
  /** Attribute names of the html and body elements, built at the first merge (§13.2.6.4.7 "html", "body"). */
  #mergedNames = new Map<El<N>, Set<string>>()

  // The appropriate place for inserting a node (§13.2.6.1), as the last call to `place` found it.
  placeParent: El<N> | null = null
  placeNode!: N
  placeBefore: N | null = null

  /** The tokenizer state the fragment case starts in (§13.4 step 5), applied when connected. */
  #initialState: TextState | null = null
  #tag: Tag = { name: '', id: 0, attrs: [], selfClosing: false }
  /** `this` as the rule modules see it (they are written for any handle type). */
  readonly #self: TreeBuilder<unknown> = this as unknown as TreeBuilder<unknown>
  #done = false
  readonly #maxOpenElements: number
  readonly #onTooDeep: () => void

  /**
   * `control` is the tokenizer; a tokenizer that needs the tree builder as its sink first can be
   * connected afterwards with `connect`.
   */
  constructor(adapter: TreeAdapter<N>, control: TokenizerControl | null, options: TreeBuilderOptions = {}) {
    this.adapter = adapter
    this.control = control ?? { switchTo: () => {}, allowCdata: false }
    this.maxTreeDepth = options.maxTreeDepth ?? 512
    this.#maxOpenElements = options.maxOpenElements ?? Infinity
    this.#onTooDeep = options.onTooDeep ?? (() => {})
    this.open = new OpenElements<N>(256)
    this.afe = new FormattingElements<N>(256)
    this.open.onPop = (el) => this.#popped(el)
    const ctx = options.fragmentContext
    if (ctx !== undefined) this.context = this.#startFragment(ctx)
    this.#updateCdata()
  }

  /** Connect the tokenizer (when it was made after the tree builder). */
  connect(control: TokenizerControl): void {
    this.control = control
    if (this.#initialState !== null) control.switchTo(this.#initialState)
    this.#updateCdata()
  }

  /** Depth of the stack of open elements: what a caller bounds to bound memory. */
  get depth(): number {
    return this.open.length
  }

  // TokenSink ---------------------------------------------------------------------------------------

  startTag(token: TagToken): void {
    if (this.#done) return
    this.skipNewline = false
    const t = this.#tag
    t.name = token.name
    t.id = tagId(token.name)
    t.attrs = token.attrs
    t.selfClosing = token.selfClosing
    this.processStartTag(t)
    this.#updateCdata()
  }

  endTag(token: TagToken): void {
    if (this.#done) return
    this.skipNewline = false
    const t = this.#tag
    t.name = token.name
    t.id = tagId(token.name)
    t.attrs = token.attrs
    t.selfClosing = token.selfClosing
    this.processEndTag(t)
    this.#updateCdata()
  }

  characters(text: string): void {
    if (this.#done) return
    if (this.skipNewline) {
      this.skipNewline = false
      if (text.charCodeAt(0) === 0x0a) text = text.slice(1)
    }
    while (text.length > 0) text = this.processCharacters(text)
    this.#updateCdata()
  }

  comment(text: string): void {
    if (this.#done) return
    this.skipNewline = false
    if (useForeignRules(this.#self, null)) FOREIGN_RULES.comment(this.#self, text)
    else MODE_RULES[this.mode]!.comment(this.#self, text)
  }

  doctype(token: DoctypeToken): void {
    if (this.#done) return
    this.skipNewline = false
    if (this.mode === M.INITIAL) {
      this.#doctypeInInitial(token)
      return
    }
    if (useForeignRules(this.#self, null)) FOREIGN_RULES.doctype(this.#self)
    else MODE_RULES[this.mode]!.doctype(this.#self)
  }

  endOfFile(): void {
    if (this.#done) return
    this.skipNewline = false
    MODE_RULES[this.mode]!.endOfFile(this.#self)
  }

  // Dispatch (§13.2.6 "tree construction dispatcher") -----------------------------------------------

  processStartTag(t: Tag): void {
    if (useForeignRules(this.#self, t)) FOREIGN_RULES.startTag(this.#self, t)
    else MODE_RULES[this.mode]!.startTag(this.#self, t)
  }

  processEndTag(t: Tag): void {
    if (useForeignRules(this.#self, null)) FOREIGN_RULES.endTag(this.#self, t)
    else MODE_RULES[this.mode]!.endTag(this.#self, t)
  }

  /** Process a prefix of a run of character tokens; returns what is left. */
  processCharacters(text: string): string {
    if (useForeignRules(this.#self, null, true)) return FOREIGN_RULES.characters(this.#self, text)
    return MODE_RULES[this.mode]!.characters(this.#self, text)
  }

  /** Process a token using the rules for another insertion mode. */
  rules(mode: Mode): ModeRules<TreeBuilder<unknown>> {
    return MODE_RULES[mode]!
  }

  /** Ignore every later token: a limit was hit, what follows is not parsed (nothing is popped). */
  abort(): void {
    this.#done = true
  }

  /** Stop parsing (§13.2.7): pop everything. */
  stop(): void {
    this.#done = true
    while (this.open.length > 0) this.open.pop()
  }

  // Parser state helpers ----------------------------------------------------------------------------

  get current(): El<N> {
    return this.open.current!
  }

  /** §13.2.4.2 the adjusted current node. */
  get adjustedCurrent(): El<N> | undefined {
    if (this.context !== null && this.open.length === 1) return this.context
    return this.open.current
  }

  get quirks(): boolean {
    return this.documentMode === 'quirks'
  }

  #updateCdata(): void {
    const acn = this.adjustedCurrent
    this.control.allowCdata = acn !== undefined && acn.ns !== NS.HTML
  }

  switchTokenizer(state: TextState): void {
    this.#initialState = this.open.length === 0 ? state : null
    this.control.switchTo(state)
  }

  // Creating and inserting nodes (§13.2.6.1) --------------------------------------------------------

  /** §13.2.6.1 "create an element for a token" (the tree builder's record plus the adapter's node). */
  createElement(name: string, id: number, ns: Ns, attrs: Attribute[]): El<N> {
    const handle = this.adapter.createElement(name, NAMESPACE_URI[ns]!, attrs)
    const el = new El(handle, name, id, ns, attrs, kindsOf(ns, id))
    if (ns === NS.HTML) {
      if (id === T.TEMPLATE) el.contents = this.adapter.templateContents(handle)
    } else if (ns === NS.SVG) {
      if (id === T.FOREIGNOBJECT || id === T.DESC || id === T.TITLE) el.integration = 1
    } else if (ns === NS.MATHML) {
      if (id >= T.MI && id <= T.MTEXT) el.integration = 2
      else if (id === T.ANNOTATION_XML && annotationXmlIsIntegrationPoint(attrs)) el.integration = 1
    }
    return el
  }

  /**
   * §13.2.6.1 "the appropriate place for inserting a node", into placeParent/placeNode/placeBefore.
   * `depthRule`: apply Chromium's maximum tree depth (elements and comments, not text).
   */
  place(override: El<N> | null, depthRule: boolean): void {
    let target = override ?? this.current
    this.placeBefore = null
    if (this.fosterParenting && target.ns === NS.HTML && isTableLike(target.id)) {
      // Foster parenting.
      const lastTemplate = this.open.topHtml(T.TEMPLATE)
      const lastTable = this.open.topHtml(T.TABLE)
      if (lastTemplate !== undefined && (lastTable === undefined || lastTemplate.index > lastTable.index)) {
        target = lastTemplate
      } else if (lastTable === undefined) {
        target = this.open.items[0]!
      } else if (lastTable.parentNode !== null) {
        this.placeParent = lastTable.parent
        this.placeNode = lastTable.parentNode
        this.placeBefore = lastTable.handle
        return
      } else {
        target = this.open.items[lastTable.index - 1]!
      }
    } else if (depthRule && this.open.length > this.maxTreeDepth) {
      // Chromium: "Add as a sibling of the parent if we have reached the maximum depth allowed."
      if (target.parent !== null) target = target.parent
      else if (target.parentNode !== null) {
        this.placeParent = null
        this.placeNode = target.parentNode
        return
      }
    }
    if (target.contents !== null && target.is(T.TEMPLATE)) {
      this.placeParent = null
      this.placeNode = target.contents
      return
    }
    this.placeParent = target
    this.placeNode = target.handle
  }

  /** Insert `el` at the place `place` found. */
  insertAtPlace(el: El<N>): void {
    if (this.placeBefore !== null) this.adapter.insertBefore(this.placeNode, el.handle, this.placeBefore)
    else this.adapter.appendChild(this.placeNode, el.handle)
    this.#setParent(el, this.placeParent, this.placeNode)
  }

  /** Append `el` to `parent` (adoption agency), following the template contents redirection. */
  appendTo(parent: El<N>, el: El<N>): void {
    if (parent.contents !== null && parent.is(T.TEMPLATE)) {
      this.adapter.appendChild(parent.contents, el.handle)
      this.#setParent(el, null, parent.contents)
    } else {
      this.adapter.appendChild(parent.handle, el.handle)
      this.#setParent(el, parent, parent.handle)
    }
  }

  #setParent(el: El<N>, parent: El<N> | null, parentNode: N): void {
    el.parent = parent
    el.parentNode = parentNode
    this.#trackSelect(el, parent)
  }

  /** §13.2.6.1 "insert a foreign element" (HTML namespace: "insert an HTML element"). */
  insertElement(name: string, id: number, ns: Ns, attrs: Attribute[], onlyAddToStack = false): El<N> {
    this.place(null, true)
    const el = this.createElement(name, id, ns, attrs)
    if (!onlyAddToStack) this.insertAtPlace(el)
    this.open.push(el)
    if (this.open.length > this.#maxOpenElements) {
      this.abort()
      this.#onTooDeep()
    }
    return el
  }

  insertHtml(t: Tag): El<N> {
    return this.insertElement(t.name, t.id, NS.HTML, t.attrs)
  }

  /** Insert an HTML element with no attributes for a start tag the rules imply (e.g. "p", "tbody"). */
  insertHtmlNamed(name: string): El<N> {
    return this.insertElement(name, tagId(name), NS.HTML, [])
  }

  /** Insert a foreign element for a start tag in the SVG or MathML namespace, attributes adjusted. */
  insertForeign(t: Tag, ns: Ns): El<N> {
    if (ns === NS.MATHML) adjustMathMlAttributes(t.attrs)
    else adjustSvgAttributes(t.attrs)
    adjustForeignAttributes(t.attrs)
    return this.insertElement(t.name, t.id, ns, t.attrs)
  }

  /** §13.2.6.1 "insert a character" for a run of characters. */
  insertText(text: string): void {
    this.place(null, false)
    if (this.placeParent === null && this.placeNode === this.adapter.document) return
    if (this.placeBefore !== null) this.adapter.insertTextBefore(this.placeNode, text, this.placeBefore)
    else this.adapter.appendText(this.placeNode, text)
  }

  /** §13.2.6.1 "insert a comment" at the current insertion point. */
  insertComment(data: string): void {
    this.place(null, true)
    this.adapter.appendComment(this.placeNode, data)
  }

  /** Insert a comment as the last child of an element (html element) or of the document (null). */
  appendComment(parent: El<N> | null, data: string): void {
    this.adapter.appendComment(parent === null ? this.adapter.document : parent.handle, data)
  }

  /** §13.2.6.4.7 "html" and "body" start tags: add the attributes the element lacks, and only those. */
  mergeAttributes(el: El<N>, attrs: Attribute[]): void {
    if (attrs.length === 0) return
    let names = this.#mergedNames.get(el)
    if (names === undefined) {
      names = new Set<string>()
      for (const a of el.attrs) names.add(a.name)
      this.#mergedNames.set(el, names)
    }
    let added: Attribute[] | null = null
    for (const a of attrs) {
      if (names.has(a.name)) continue
      names.add(a.name)
      ;(added ??= []).push(a)
    }
    if (added !== null) this.adapter.addAttributes(el.handle, added)
  }

  // Stack helpers ------------------------------------------------------------------------------------

  /** Pop elements until an HTML element with tag id `id` has been popped. */
  popUntil(id: number): void {
    while (this.open.length > 0) if (this.open.pop().is(id)) return
  }

  /** Pop until one of h1..h6 has been popped. */
  popUntilHeading(): void {
    while (this.open.length > 0) {
      const el = this.open.pop()
      if (el.ns === NS.HTML && el.id >= T.H1 && el.id <= T.H6) return
    }
  }

  /** §13.2.6.3 "generate implied end tags", except for HTML elements with tag id `except` (0: none). */
  generateImpliedEndTags(except = -1): void {
    for (;;) {
      const c = this.open.current
      if (c === undefined || c.ns !== NS.HTML || IMPLIED_END[c.id] !== 1 || c.id === except) return
      this.open.pop()
    }
  }

  generateImpliedEndTagsThoroughly(): void {
    for (;;) {
      const c = this.open.current
      if (c === undefined || c.ns !== NS.HTML || IMPLIED_END_THOROUGH[c.id] !== 1) return
      this.open.pop()
    }
  }

  /** Close a p element (§13.2.6.4.7). */
  closeP(): void {
    this.generateImpliedEndTags(T.P)
    this.popUntil(T.P)
  }

  closePIfInButtonScope(): void {
    if (this.open.inButtonScope(T.P)) this.closeP()
  }

  /** Highest position of an HTML element among tag ids `lo`..`hi` (h1..h6, td/th...) or -1. */
  topIndexOfAny(ids: readonly number[]): number {
    let top = -1
    for (const id of ids) top = Math.max(top, this.open.indexOfHtml(id))
    return top
  }

  /** "has an element in scope" for any of `ids`. */
  anyInScope(ids: readonly number[], boundary: number): boolean {
    const top = this.topIndexOfAny(ids)
    return top >= 0 && top >= boundary
  }

  // Active formatting elements (§13.2.4.3) ----------------------------------------------------------

  /** §13.2.4.3 "reconstruct the active formatting elements". */
  reconstructFormatting(): void {
    const items = this.afe.items
    const n = items.length
    if (n === 0) return
    let entry = items[n - 1]!
    if (entry === null || entry.index >= 0) return
    let i = n - 1
    // Rewind.
    while (i > 0) {
      entry = items[i - 1]!
      if (entry === null || entry.index >= 0) break
      i--
    }
    // Create.
    for (; i < n; i++) {
      const old = items[i]!
      const el = this.insertElement(old.name, old.id, old.ns, old.attrs.slice())
      this.afe.replace(old, el)
    }
  }

  /** Insert an element for a formatting start tag and push it onto the list. */
  insertFormatting(t: Tag): void {
    const el = this.insertHtml(t)
    this.afe.push(el)
  }

  /**
   * §13.2.6.4.7 the adoption agency algorithm. Returns false when the steps say to act as described in
   * the "any other end tag" entry instead.
   */
  adoptionAgency(t: Tag): boolean {
    // 1-2. If the current node is an HTML element whose tag name is subject, and the current node is not
    // in the list of active formatting elements, then pop the current node off the stack and return.
    const cur = this.current
    if (cur.is(t.id) && cur.afeIndex < 0) {
      this.open.pop()
      return true
    }
    // 3-4. Outer loop: at most 8 times.
    for (let outer = 0; outer < 8; outer++) {
      // 4.3. The last element in the list, after the last marker, whose tag name is subject.
      const fe = this.afe.lastBeforeMarker(t.id)
      if (fe === undefined) return false
      // 4.4. If formatting element is not in the stack of open elements: parse error; remove it from the list; return.
      if (fe.index < 0) {
        this.afe.remove(fe)
        return true
      }
      // 4.5. In the stack but not in scope: parse error; return.
      if (!this.open.elementInScope(fe)) return true
      // 4.7. Furthest block: the topmost special element lower in the stack than formatting element.
      const fb = this.open.firstOfKindAbove(K.SPECIAL, fe.index)
      // 4.8. No furthest block: pop up to and including formatting element, remove it from the list; return.
      if (fb === undefined) {
        this.open.popUntilElement(fe)
        this.afe.remove(fe)
        return true
      }
      // 4.9. Common ancestor: the element immediately above formatting element in the stack.
      const commonAncestor = this.open.items[fe.index - 1]!
      // 4.10. A bookmark notes the position of formatting element in the list.
      let bookmark = fe.afeIndex
      // 4.11-4.13. Inner loop.
      let lastNode = fb
      let pos = fb.index
      for (let inner = 1; ; inner++) {
        // 4.13.2. Node: the element immediately above node in the stack (removals shift only what is below).
        pos--
        let node = this.open.items[pos]!
        // 4.13.3. If node is formatting element, then break.
        if (node === fe) break
        // 4.13.4. If inner loop counter is greater than 3 and node is in the list, remove it from the list.
        if (inner > 3 && node.afeIndex >= 0) {
          if (node.afeIndex < bookmark) bookmark--
          this.afe.remove(node)
        }
        // 4.13.5. If node is not in the list of active formatting elements, remove it from the stack; continue.
        if (node.afeIndex < 0) {
          this.open.remove(node)
          continue
        }
        // 4.13.6. Create an element for the token for which node was created, intended parent common
        // ancestor; replace the entry for node in the list and in the stack with the new element.
        const el = this.createElement(node.name, node.id, node.ns, node.attrs.slice())
        this.afe.replace(node, el)
        this.open.replace(node, el)
        node = el
        // 4.13.7. If last node is furthest block, move the bookmark to immediately after the new node.
        if (lastNode === fb) bookmark = node.afeIndex + 1
        // 4.13.8. Append last node to node (appendChild moves a node that has a parent).
        this.appendTo(node, lastNode)
        // 4.13.9. Set last node to node.
        lastNode = node
      }
      // 4.14. Insert last node at the appropriate place, with common ancestor as override target.
      this.place(commonAncestor, false)
      this.insertAtPlace(lastNode)
      // 4.15. Create an element for formatting element's token, intended parent furthest block.
      const el = this.createElement(fe.name, fe.id, fe.ns, fe.attrs.slice())
      // 4.16-4.17. Take all children of furthest block, append them to the new element; append it to furthest block.
      this.adapter.moveChildren(fb.handle, el.handle)
      this.appendTo(fb, el)
      // 4.18. Remove formatting element from the list; insert the new element at the bookmark.
      if (fe.afeIndex < bookmark) bookmark--
      this.afe.remove(fe)
      this.afe.insertAt(bookmark, el)
      // 4.19. Remove formatting element from the stack; insert the new element immediately below furthest block.
      this.open.remove(fe)
      this.open.insertAt(fb.index + 1, el)
    }
    return true
  }

  /** §13.2.6.4.7 "any other end tag" in body. */
  anyOtherEndTagInBody(t: Tag): void {
    const match = this.open.topHtmlNamed(t.id, t.name)
    // Walking down from the current node, a special element before the match ends it: ignore the token.
    if (match === undefined || match.index < this.open.topOfKind(K.SPECIAL)) return
    // Names no rule mentions (id 0) are never implied end tags: nothing to except.
    this.generateImpliedEndTags(t.id > 0 ? t.id : -1)
    this.open.popUntilElement(match)
  }

  // Insertion mode (§13.2.4.1) ----------------------------------------------------------------------

  /** §13.2.4.1 "reset the insertion mode appropriately". */
  resetInsertionMode(): void {
    // Only elements in the RESET kind decide; every other element is skipped by the loop.
    const top = this.open.topElementOfKind(K.RESET)
    let node: El<N> | undefined = top
    const last = node === undefined || node.index === 0
    if (last && this.context !== null) node = this.context
    if (node === undefined) {
      this.mode = M.IN_BODY
      return
    }
    // A context element that is not a deciding element falls through to "in body".
    if (node.ns === NS.HTML) {
      switch (node.id) {
        case T.TD:
        case T.TH:
          if (!last) {
            this.mode = M.IN_CELL
            return
          }
          break
        case T.TR:
          this.mode = M.IN_ROW
          return
        case T.TBODY:
        case T.THEAD:
        case T.TFOOT:
          this.mode = M.IN_TABLE_BODY
          return
        case T.CAPTION:
          this.mode = M.IN_CAPTION
          return
        case T.COLGROUP:
          this.mode = M.IN_COLUMN_GROUP
          return
        case T.TABLE:
          this.mode = M.IN_TABLE
          return
        case T.TEMPLATE:
          this.mode = this.templateModes[this.templateModes.length - 1]!
          return
        case T.HEAD:
          if (!last) {
            this.mode = M.IN_HEAD
            return
          }
          break
        case T.BODY:
          this.mode = M.IN_BODY
          return
        case T.FRAMESET:
          this.mode = M.IN_FRAMESET
          return
        case T.HTML:
          this.mode = this.head === null ? M.BEFORE_HEAD : M.AFTER_HEAD
          return
      }
    }
    this.mode = M.IN_BODY
  }

  /** §13.2.6.2 the generic raw text / RCDATA element parsing algorithm. */
  parseRawText(t: Tag, state: TextState): void {
    this.insertHtml(t)
    this.switchTokenizer(state)
    this.originalMode = this.mode
    this.mode = M.TEXT
  }

  // Popping: script/style text, option → selectedcontent (§4.10.10) --------------------------------

  #popped(el: El<N>): void {
    if (el.ns === NS.HTML && el.id === T.OPTION) this.#maybeCloneOption(el)
    this.adapter.elementPopped(el.handle)
  }

  /**
   * Keep, for each element, its nearest select ancestor and what lies in between, so the option's
   * "nearest ancestor select" (§4.10.10) and the select's "enabled selectedcontent" (§4.10.7) are known
   * without walking the tree.
   */
  #trackSelect(el: El<N>, parent: El<N> | null): void {
    if (parent === null) {
      el.nearSelect = null
      el.between = 0
      return
    }
    if (parent.is(T.SELECT)) {
      el.nearSelect = parent
      el.between = 0
    } else {
      el.nearSelect = parent.nearSelect
      if (el.nearSelect === null) return
      let b = parent.between
      if (parent.ns === NS.HTML) {
        if (parent.id === T.OPTION) b |= SEL.OPTION
        else if (parent.id === T.SELECTEDCONTENT) b |= SEL.SELECTEDCONTENT
        else if (parent.id === T.HR || parent.id === T.DATALIST) b |= SEL.HR_DATALIST
        else if (parent.id === T.OPTGROUP) b |= (b & SEL.OPTGROUP) !== 0 ? SEL.TWO_OPTGROUPS : SEL.OPTGROUP
      }
      el.between = b
    }
    const select = el.nearSelect
    if (select === null || el.ns !== NS.HTML) return
    if (el.id === T.OPTION) {
      // §4.10.10 "option element nearest ancestor select": no hr, datalist or option, at most one optgroup.
      if ((el.between & (SEL.OPTION | SEL.HR_DATALIST | SEL.TWO_OPTGROUPS)) !== 0) return
      // §4.10.7 selectedness: an option with a selected attribute is selected (the others are not);
      // otherwise, with display size 1 and none selected, the first option that is not disabled.
      // A change of the selected option updates the selectedcontents (whatwg/html #11890): the option
      // is empty at insertion, so they are emptied — an option inside one of them is removed with it.
      const selected =
        el.attr('selected') !== undefined ||
        (select.selectedOption === null && displaySizeIsOne(select) && !optionDisabled(el))
      if (selected) {
        const previous = select.selectedOption
        select.selectedOption = el
        this.#cloneSelectedOption(select)
        if ((el.between & SEL.SELECTEDCONTENT) !== 0 && select.selectedContents !== null) {
          // It was in a selectedcontent it just emptied: out of the document, and of the select.
          el.nearSelect = null
          select.selectedOption = previous
        }
      }
    } else if (el.id === T.SELECTEDCONTENT && (el.between & (SEL.OPTION | SEL.SELECTEDCONTENT)) === 0) {
      // §4.10.7 a select's enabled selectedcontents: every one not inside an option or another
      // selectedcontent (whatwg/html #12263, as Chromium does); one inserted takes the selected option.
      ;(select.selectedContents ??= []).push(el)
      if (select.selectedOption !== null && select.attr('multiple') === undefined) {
        this.adapter.cloneOptionIntoSelectedContent(select.selectedOption.handle, el.handle)
      }
    }
  }

  /** §4.10.10 "maybe clone an option into selectedcontent", run when an option is popped. */
  #maybeCloneOption(option: El<N>): void {
    const select = option.nearSelect
    if (select === null || select.selectedOption !== option) return
    if ((option.between & (SEL.OPTION | SEL.HR_DATALIST | SEL.TWO_OPTGROUPS)) !== 0) return
    this.#cloneSelectedOption(select)
  }

  /** §4.10.10 "clone an option into a selectedcontent", for each enabled selectedcontent of `select`. */
  #cloneSelectedOption(select: El<N>): void {
    if (select.selectedContents === null || select.attr('multiple') !== undefined) return
    const option = select.selectedOption!
    for (const sc of select.selectedContents)
      this.adapter.cloneOptionIntoSelectedContent(option.handle, sc.handle)
  }

  // Initial insertion mode: the DOCTYPE (§13.2.6.4.1) ----------------------------------------------

  #doctypeInInitial(token: DoctypeToken): void {
    this.adapter.setDoctype(token.name ?? '', token.publicId ?? '', token.systemId ?? '')
    this.setDocumentMode(documentModeOf(token))
    this.mode = M.BEFORE_HTML
  }

  setDocumentMode(mode: DocumentMode): void {
    this.documentMode = mode
    this.adapter.setDocumentMode(mode)
  }

  // Fragment case (§13.4) -----------------------------------------------------------------------------

  #startFragment(ctx: NonNullable<TreeBuilderOptions['fragmentContext']>): El<N> {
    const ns =
      ctx.namespace === NAMESPACE_URI[NS.SVG]
        ? NS.SVG
        : ctx.namespace === NAMESPACE_URI[NS.MATHML]
          ? NS.MATHML
          : NS.HTML
    const handle = this.adapter.createElement(
      ctx.name,
      ctx.namespace ?? NAMESPACE_URI[NS.HTML]!,
      ctx.attrs ?? [],
    )
    const context = new El(
      handle,
      ctx.name,
      tagId(ctx.name),
      ns,
      ctx.attrs ?? [],
      kindsOf(ns, tagId(ctx.name)),
    )
    if (
      ns === NS.SVG &&
      (context.id === T.FOREIGNOBJECT || context.id === T.DESC || context.id === T.TITLE)
    ) {
      context.integration = 1
    } else if (ns === NS.MATHML) {
      if (context.id >= T.MI && context.id <= T.MTEXT) context.integration = 2
      else if (context.id === T.ANNOTATION_XML && annotationXmlIsIntegrationPoint(context.attrs))
        context.integration = 1
    }
    // 5-7. Set the tokenizer state from the context element (scripting enabled).
    if (ns === NS.HTML) {
      switch (context.id) {
        case T.TITLE:
        case T.TEXTAREA:
          this.switchTokenizer(TextState.RCDATA)
          break
        case T.STYLE:
        case T.XMP:
        case T.IFRAME:
        case T.NOEMBED:
        case T.NOFRAMES:
        case T.NOSCRIPT:
          this.switchTokenizer(TextState.RAWTEXT)
          break
        case T.SCRIPT:
          this.switchTokenizer(TextState.ScriptData)
          break
        case T.PLAINTEXT:
          this.switchTokenizer(TextState.PLAINTEXT)
          break
      }
    }
    // 8-10. A new html element is the root: the fragment's children are its children.
    const root = new El(this.adapter.document, 'html', T.HTML, NS.HTML, [], kindsOf(NS.HTML, T.HTML))
    this.htmlElement = root
    this.open.push(root)
    // 11. If the context element is a template element, push "in template" onto the template modes.
    if (context.is(T.TEMPLATE)) this.templateModes.push(M.IN_TEMPLATE)
    // 12. Reset the insertion mode appropriately (uses the context element).
    ;(this as { context: El<N> | null }).context = context
    this.resetInsertionMode()
    // 13. The form element pointer: the nearest form ancestor-or-self of the context (the context only here).
    if (context.is(T.FORM)) this.form = context
    return context
  }
}

function isTableLike(id: number): boolean {
  return id === T.TABLE || id === T.TBODY || id === T.TFOOT || id === T.THEAD || id === T.TR
}

/** §4.10.7 display size: 1 unless `multiple` or a valid `size` greater than 1. */
function displaySizeIsOne<N>(select: El<N>): boolean {
  if (select.attr('multiple') !== undefined) return false
  const size = select.attr('size')
  if (size === undefined) return true
  // Rules for parsing non-negative integers: skip ASCII whitespace, then digits.
  const m = /^[\t\n\f\r ]*\+?(\d+)/.exec(size)
  if (m === null) return true
  const n = Number(m[1])
  return n <= 1
}

/** §4.10.10 an option is disabled by its own disabled attribute or its optgroup parent's. */
function optionDisabled<N>(option: El<N>): boolean {
  if (option.attr('disabled') !== undefined) return true
  const p = option.parent
  return p !== null && p.is(T.OPTGROUP) && p.attr('disabled') !== undefined
}

const QUIRKS_PUBLIC_PREFIXES = [
  '+//silmaril//dtd html pro v0r11 19970101//',
  '-//as//dtd html 3.0 aswedit + extensions//',
  '-//advasoft ltd//dtd html 3.0 aswedit + extensions//',
  '-//ietf//dtd html 2.0 level 1//',
  '-//ietf//dtd html 2.0 level 2//',
  '-//ietf//dtd html 2.0 strict level 1//',
  '-//ietf//dtd html 2.0 strict level 2//',
  '-//ietf//dtd html 2.0 strict//',
  '-//ietf//dtd html 2.0//',
  '-//ietf//dtd html 2.1e//',
  '-//ietf//dtd html 3.0//',
  '-//ietf//dtd html 3.2 final//',
  '-//ietf//dtd html 3.2//',
  '-//ietf//dtd html 3//',
  '-//ietf//dtd html level 0//',
  '-//ietf//dtd html level 1//',
  '-//ietf//dtd html level 2//',
  '-//ietf//dtd html level 3//',
  '-//ietf//dtd html strict level 0//',
  '-//ietf//dtd html strict level 1//',
  '-//ietf//dtd html strict level 2//',
  '-//ietf//dtd html strict level 3//',
  '-//ietf//dtd html strict//',
  '-//ietf//dtd html//',
  '-//metrius//dtd metrius presentational//',
  '-//microsoft//dtd internet explorer 2.0 html strict//',
  '-//microsoft//dtd internet explorer 2.0 html//',
  '-//microsoft//dtd internet explorer 2.0 tables//',
  '-//microsoft//dtd internet explorer 3.0 html strict//',
  '-//microsoft//dtd internet explorer 3.0 html//',
  '-//microsoft//dtd internet explorer 3.0 tables//',
  '-//netscape comm. corp.//dtd html//',
  '-//netscape comm. corp.//dtd strict html//',
  "-//o'reilly and associates//dtd html 2.0//",
  "-//o'reilly and associates//dtd html extended 1.0//",
  "-//o'reilly and associates//dtd html extended relaxed 1.0//",
  '-//sq//dtd html 2.0 hotmetal + extensions//',
  '-//softquad software//dtd hotmetal pro 6.0::19990601::extensions to html 4.0//',
  '-//softquad//dtd hotmetal pro 4.0::19971010::extensions to html 4.0//',
  '-//spyglass//dtd html 2.0 extended//',
  '-//sun microsystems corp.//dtd hotjava html//',
  '-//sun microsystems corp.//dtd hotjava strict html//',
  '-//w3c//dtd html 3 1995-03-24//',
  '-//w3c//dtd html 3.2 draft//',
  '-//w3c//dtd html 3.2 final//',
  '-//w3c//dtd html 3.2//',
  '-//w3c//dtd html 3.2s draft//',
  '-//w3c//dtd html 4.0 frameset//',
  '-//w3c//dtd html 4.0 transitional//',
  '-//w3c//dtd html experimental 19960712//',
  '-//w3c//dtd html experimental 970421//',
  '-//w3c//dtd w3 html//',
  '-//w3o//dtd w3 html 3.0//',
  '-//webtechs//dtd mozilla html 2.0//',
  '-//webtechs//dtd mozilla html//',
]

/** §13.2.6.4.1: the document's mode from a DOCTYPE token. */
export function documentModeOf(token: DoctypeToken): DocumentMode {
  if (token.forceQuirks || token.name !== 'html') return 'quirks'
  const pub = token.publicId?.toLowerCase() ?? null
  const sys = token.systemId?.toLowerCase() ?? null
  if (sys === 'http://www.ibm.com/data/dtd/v11/ibmxhtml1-transitional.dtd') return 'quirks'
  if (pub === null) return 'no-quirks'
  if (
    pub === '-//w3o//dtd w3 html strict 3.0//en//' ||
    pub === '-/w3c/dtd html 4.0 transitional/en' ||
    pub === 'html'
  ) {
    return 'quirks'
  }
  if (QUIRKS_PUBLIC_PREFIXES.some((p) => pub.startsWith(p))) return 'quirks'
  const html401 =
    pub.startsWith('-//w3c//dtd html 4.01 frameset//') ||
    pub.startsWith('-//w3c//dtd html 4.01 transitional//')
  if (sys === null && html401) return 'quirks'
  if (
    pub.startsWith('-//w3c//dtd xhtml 1.0 frameset//') ||
    pub.startsWith('-//w3c//dtd xhtml 1.0 transitional//')
  ) {
    return 'limited-quirks'
  }
  if (sys !== null && html401) return 'limited-quirks'
  return 'no-quirks'
}
