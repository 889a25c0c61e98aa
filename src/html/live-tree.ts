import type { Attribute } from './parser/tokens.js'
import type { DocumentMode, ShadowRootInit, TreeAdapter } from './parser/tree-adapter.js'

/**
 * The inspector's tree adapter: it builds no tree. Each element keeps a pointer to its parent node and
 * nothing else, children are never recorded, so once the tree builder lets go of an element (popped,
 * and off the list of active formatting elements) it is garbage: state is O(depth), not O(document).
 * What it tells its sink: each live element when first inserted, attributes a second `<html>`/`<body>`
 * added, and the text of the elements whose text is collected (inline script and style).
 */

export interface DocumentNode {
  readonly nodeKind: 'document'
}

/** A template's contents (HTML §4.12.3): a DocumentFragment whose elements are inert. */
export interface FragmentNode {
  readonly nodeKind: 'fragment'
}

/** A declarative shadow root (HTML §13.2.6.4.4): its elements are as live as its host. */
export interface ShadowRootNode {
  readonly nodeKind: 'shadow-root'
  readonly host: ElementNode
}

export interface ElementNode {
  readonly nodeKind: 'element'
  /** As the DOM has it: lower-case in HTML, adjusted camel-case in SVG. */
  readonly tagName: string
  readonly namespaceURI: string
  /** The tokenizer's array (a shared frozen empty one when the tag had none), until attributes are added. */
  attrs: Attribute[]
  parent: ParentNode | null
  /** Inside a template's contents when first inserted: not live (HTML §4.12.3). */
  inert: boolean
  /** Inserted (and, if live, reported) already: the adoption agency moves elements it inserted before. */
  inserted: boolean
  /** Where the tokenizer was when the element was reported (the end of its start tag). */
  line: number
  column: number
  /** The child text, collected only while the sink asks for it (inline script and style). */
  text: string | null
}

export type ParentNode = DocumentNode | FragmentNode | ShadowRootNode | ElementNode

/** What the adapter tells the inspector about the live document. */
export interface LiveTreeSink {
  /** A live element was inserted into the document for the first time. */
  element(element: ElementNode): void
  /** A second `<html>` or `<body>` start tag added attributes to a live element (HTML §13.2.6.4.7). */
  attributesAdded(element: ElementNode, added: Attribute[]): void
  /** An element whose text is collected was popped off the stack of open elements. */
  textComplete(element: ElementNode): void
  /** Collected text grew past the limit; collection stops. */
  textTooLong(element: ElementNode): void
}

function isInert(parent: ParentNode): boolean {
  switch (parent.nodeKind) {
    case 'fragment':
      return true
    case 'shadow-root':
      return parent.host.inert
    case 'element':
      return parent.inert
    case 'document':
      return false
  }
}

export class LiveTree implements TreeAdapter<ParentNode> {
  readonly document: DocumentNode = { nodeKind: 'document' }
  readonly #sink: LiveTreeSink
  readonly #maxTextLength: number

  constructor(sink: LiveTreeSink, maxTextLength: number) {
    this.#sink = sink
    this.#maxTextLength = maxTextLength
  }

  createElement(tagName: string, namespaceURI: string, attrs: Attribute[]): ElementNode {
    return {
      nodeKind: 'element',
      tagName,
      namespaceURI,
      attrs,
      parent: null,
      inert: false,
      inserted: false,
      line: 0,
      column: 0,
      text: null,
    }
  }

  appendChild(parent: ParentNode, child: ParentNode): void {
    if (child.nodeKind !== 'element') return
    child.parent = parent
    if (child.inserted) return
    child.inserted = true
    child.inert = isInert(parent)
    if (!child.inert) this.#sink.element(child)
  }

  insertBefore(parent: ParentNode, child: ParentNode): void {
    this.appendChild(parent, child)
  }

  appendText(parent: ParentNode, text: string): void {
    if (parent.nodeKind !== 'element' || parent.text === null) return
    parent.text += text
    if (parent.text.length > this.#maxTextLength) {
      parent.text = null
      this.#sink.textTooLong(parent)
    }
  }

  insertTextBefore(parent: ParentNode, text: string): void {
    this.appendText(parent, text)
  }

  appendComment(): void {}

  detach(node: ParentNode): void {
    if (node.nodeKind === 'element') node.parent = null
  }

  /**
   * The adoption agency's moves (§13.2.6.4.7 step 4.17) are not followed: children are not recorded.
   * They stay on the same side of every template and shadow boundary (the new parent is a child of the
   * old one), so liveness is unchanged; only parent pointers of the moved children are stale.
   */
  moveChildren(): void {}

  templateContents(): FragmentNode {
    return { nodeKind: 'fragment' }
  }

  attachShadowRoot(host: ParentNode, _template: ParentNode, _init: ShadowRootInit): ShadowRootNode {
    if (host.nodeKind !== 'element') throw new TypeError('a shadow root needs an element host')
    return { nodeKind: 'shadow-root', host }
  }

  addAttributes(element: ParentNode, added: Attribute[]): void {
    if (element.nodeKind !== 'element') return
    // A loop, not push(...added): a tag may carry more attributes than a call takes arguments.
    if (element.attrs.length === 0) element.attrs = []
    for (let i = 0; i < added.length; i++) element.attrs.push(added[i]!)
    if (element.inserted && !element.inert) this.#sink.attributesAdded(element, added)
  }

  elementPopped(element: ParentNode): void {
    if (element.nodeKind === 'element' && element.text !== null) this.#sink.textComplete(element)
  }

  setDoctype(): void {}

  setDocumentMode(_mode: DocumentMode): void {}

  /**
   * Not followed: the clones (HTML §4.10.10) copy elements the sink was given when they were inserted,
   * in the same tree, so they ask the policy nothing new; and cloned scripts keep "already started".
   */
  cloneOptionIntoSelectedContent(): void {}
}
