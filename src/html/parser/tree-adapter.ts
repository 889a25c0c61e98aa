import type { Attribute } from './tokens.js'

/**
 * What the tree builder (HTML §13.2.6) does to a tree. It is generic over `N`, the handle of a node
 * that can hold children: the document, an element, a template's contents, a shadow root. The tree
 * builder keeps every fact it needs about the tree itself (each element's parent, the stack of open
 * elements, the list of active formatting elements), so an adapter never answers a question about the
 * tree: a sink that keeps no children (O(depth) state) implements it as easily as a full DOM.
 *
 * Liveness: an element is live when its tree is the document (through shadow roots to their hosts);
 * it is inert when it sits inside a template's contents (HTML §4.12.3). Everything inserted under a
 * handle returned by `templateContents` is inert; everything under a handle returned by
 * `attachShadowRoot` is as live as the host. An adapter works this out from the parent handle it is
 * given at insertion.
 */
export interface TreeAdapter<N> {
  /** The document node: parent of the html element, top-level comments and the doctype. */
  readonly document: N

  /**
   * A new element, not yet in any tree. `attrs` is the element's own array (the adapter may keep it);
   * foreign attributes carry `prefix`/`namespace`. `namespace` is the namespace URI.
   */
  createElement(name: string, namespace: string, attrs: Attribute[]): N

  /** Append `child` (an element made by `createElement`, possibly already in a tree: move it) to `parent`. */
  appendChild(parent: N, child: N): void

  /** Insert `child` into `parent` before `reference` (a child of `parent`): foster parenting (§13.2.6.1). */
  insertBefore(parent: N, child: N, reference: N): void

  /** Append text to `parent`, merging with a last child that is text (§13.2.6.1 "insert a character"). */
  appendText(parent: N, text: string): void

  /** Insert text before `reference`, merging with the text node just before it if any. */
  insertTextBefore(parent: N, text: string, reference: N): void

  /** Append a comment. May do nothing. */
  appendComment(parent: N, data: string): void

  /** Remove `node` from its parent (the adoption agency moves nodes; `<frameset>` removes the body). */
  detach(node: N): void

  /** Move every child of `from`, in order, to the end of `to` (adoption agency step 4.17). */
  moveChildren(from: N, to: N): void

  /** The template contents of an HTML template element: a DocumentFragment whose descendants are inert. */
  templateContents(template: N): N

  /**
   * A declarative shadow root (§13.2.6.4.4, "template" start tag) attached to `host`, whose contents are
   * what the parser puts into `template`. The tree builder has already checked that `host` may have one.
   */
  attachShadowRoot(host: N, template: N, init: ShadowRootInit): N

  /**
   * A second `<html>` or `<body>` start tag added these attributes, which the element lacked (§13.2.6.4.7).
   * Called only with a non-empty list.
   */
  addAttributes(element: N, added: Attribute[]): void

  /** `element` was popped off the stack of open elements: it gets no more children from the parser. */
  elementPopped(element: N): void

  /** The DOCTYPE token (§13.2.6.4.1). */
  setDoctype(name: string, publicId: string, systemId: string): void

  /** The document's mode, set once from the DOCTYPE (or its absence). */
  setDocumentMode(mode: DocumentMode): void

  /**
   * HTML §4.10.10 "clone an option into a selectedcontent": replace `selectedcontent`'s children with
   * deep clones of `option`'s children. The tree builder calls it when a selected option is popped and
   * its select has an enabled selectedcontent. Every element it clones was inserted (and reported) in
   * the same tree already: option and selectedcontent always share their select's liveness.
   */
  cloneOptionIntoSelectedContent(option: N, selectedcontent: N): void
}

export type DocumentMode = 'no-quirks' | 'limited-quirks' | 'quirks'

export interface ShadowRootInit {
  mode: 'open' | 'closed'
  clonable: boolean
  serializable: boolean
  delegatesFocus: boolean
}
