import { html, type Token, type TreeAdapter, type TreeAdapterTypeMap } from 'parse5'

/**
 * A parse5 tree adapter that builds no tree. parse5's tree builder keeps the stack of open elements
 * and the list of active formatting elements itself; the few questions it asks the tree (an element's
 * parent for foster parenting, the document's quirks mode, a template's content) are answered from a
 * parent pointer per element and one field on the document. Children are never recorded, so once the
 * parser lets go of an element (popped, and off the formatting list) it is garbage: state is O(depth).
 *
 * Children not being recorded has one visible effect: when the adoption agency algorithm moves the
 * furthest block's children under a new element (HTML §13.2.6.4.7), `getChildNodes` answers "none" and
 * the children keep pointing at the furthest block, which is the new element's parent. Whether a node
 * is reachable from the document, and on which side of a template boundary it sits, is unchanged;
 * only foster-parenting positions could differ, and they decide where a node goes, never which
 * elements are created. The differential tests against `parse5.parse` hold this to account.
 */

export interface DocumentNode {
  readonly nodeKind: 'document'
  mode: html.DOCUMENT_MODE
}

/** A template's content (HTML §4.12.3): a DocumentFragment whose elements are inert. */
export interface FragmentNode {
  readonly nodeKind: 'fragment'
}

export interface ElementNode {
  readonly nodeKind: 'element'
  readonly tagName: string
  readonly namespaceURI: html.NS
  readonly attrs: Token.Attribute[]
  parent: ParentNode | null
  /** Inside a template's content at insertion: not live (HTML §4.12.3). */
  inert: boolean
  /** Reported to the sink already (elements are re-inserted by the adoption agency algorithm). */
  reported: boolean
  /** Where the tokenizer was when the element was inserted (the end of its start tag); 0 until then. */
  line: number
  column: number
  /** The child text, collected only when the sink asks for it (inline script and style). */
  text: string | null
  content: FragmentNode | null
}

interface CommentNode {
  readonly nodeKind: 'comment'
}

export type ParentNode = DocumentNode | FragmentNode | ElementNode
type ChildNode = ElementNode | CommentNode

export type MinimalTreeMap = TreeAdapterTypeMap<
  ParentNode | CommentNode,
  ParentNode,
  ChildNode,
  DocumentNode,
  FragmentNode,
  ElementNode,
  CommentNode,
  never,
  ElementNode,
  never
>

/** What the adapter tells the inspector about the live document. */
export interface TreeSink {
  /** A live element was inserted into the document for the first time. */
  element(element: ElementNode): void
  /** A second `<html>` or `<body>` start tag added attributes to the live element (HTML §13.2.6.4.7). */
  attributesAdded(element: ElementNode, added: Token.Attribute[]): void
  /** An element whose text is collected was popped off the stack of open elements. */
  textComplete(element: ElementNode): void
  /** Collected text grew past `maxTextLength`; collection stops. */
  textTooLong(element: ElementNode): void
}

const NO_CHILDREN: readonly ChildNode[] = Object.freeze([])
const COMMENT: CommentNode = Object.freeze({ nodeKind: 'comment' })

function isInertParent(parent: ParentNode): boolean {
  return parent.nodeKind === 'fragment' || (parent.nodeKind === 'element' && parent.inert)
}

export function createMinimalTreeAdapter(sink: TreeSink, maxTextLength: number): TreeAdapter<MinimalTreeMap> {
  function inserted(parent: ParentNode, node: ChildNode): void {
    if (node.nodeKind !== 'element') return
    node.parent = parent
    if (node.reported) return
    node.reported = true
    node.inert = isInertParent(parent)
    if (!node.inert) sink.element(node)
  }

  function appendText(parent: ParentNode, text: string): void {
    if (parent.nodeKind !== 'element' || parent.text === null) return
    parent.text += text
    if (parent.text.length > maxTextLength) {
      parent.text = null
      sink.textTooLong(parent)
    }
  }

  return {
    createDocument: () => ({ nodeKind: 'document', mode: html.DOCUMENT_MODE.NO_QUIRKS }),
    createDocumentFragment: () => ({ nodeKind: 'fragment' }),
    createElement: (tagName, namespaceURI, attrs) => ({
      nodeKind: 'element',
      tagName,
      namespaceURI,
      attrs,
      parent: null,
      inert: false,
      reported: false,
      line: 0,
      column: 0,
      text: null,
      content: null,
    }),
    createCommentNode: () => COMMENT,
    createTextNode: () => {
      throw new TypeError('the minimal tree adapter keeps no text nodes')
    },

    appendChild: inserted,
    insertBefore: (parent, node) => inserted(parent, node),
    detachNode: (node) => {
      if (node.nodeKind === 'element') node.parent = null
    },
    insertText: appendText,
    insertTextBefore: (parent, text) => appendText(parent, text),

    adoptAttributes(recipient, attrs) {
      const added = attrs.filter((a) => !recipient.attrs.some((r) => r.name === a.name))
      if (added.length === 0) return
      recipient.attrs.push(...added)
      if (recipient.reported && !recipient.inert) sink.attributesAdded(recipient, added)
    },

    setTemplateContent: (template, content) => {
      template.content = content
    },
    getTemplateContent: (template) => {
      template.content ??= { nodeKind: 'fragment' }
      return template.content
    },

    setDocumentType: () => {},
    setDocumentMode: (document, mode) => {
      document.mode = mode
    },
    getDocumentMode: (document) => document.mode,

    getFirstChild: () => null,
    getChildNodes: () => NO_CHILDREN as ChildNode[],
    getParentNode: (node) => (node.nodeKind === 'element' ? node.parent : null),
    getAttrList: (element) => element.attrs,

    getTagName: (element) => element.tagName,
    getNamespaceURI: (element) => element.namespaceURI,
    getTextNodeContent: () => '',
    getCommentNodeContent: () => '',
    getDocumentTypeNodeName: () => '',
    getDocumentTypeNodePublicId: () => '',
    getDocumentTypeNodeSystemId: () => '',

    isTextNode: (_node): _node is never => false,
    isCommentNode: (node): node is CommentNode => node?.nodeKind === 'comment',
    isDocumentTypeNode: (_node): _node is never => false,
    isElementNode: (node): node is ElementNode => node?.nodeKind === 'element',

    // Source locations are off (they halve the tree builder's speed); positions come from the scanner.
    setNodeSourceCodeLocation: () => {},
    getNodeSourceCodeLocation: () => null,
    updateNodeSourceCodeLocation: () => {},

    onItemPop(item) {
      if (item.text !== null) sink.textComplete(item)
    },
  }
}
