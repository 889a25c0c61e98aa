import type { Attribute } from '../../src/html/parser/tokens.js'
import type { DocumentMode, ShadowRootInit, TreeAdapter } from '../../src/html/parser/tree-adapter.js'

/**
 * A full-tree adapter for tests: a small DOM (elements, text, comments, doctype, template contents,
 * shadow roots) and its html5lib `#document` serialisation (test/fixtures/html5lib/tree-construction/README.md).
 */

export type FNode = FElement | FText | FComment | FDoctype | FContainer

export interface FContainer {
  kind: 'document' | 'fragment' | 'shadow'
  children: FNode[]
  parent: null
  mode?: ShadowRootInit['mode']
}

export interface FElement {
  kind: 'element'
  name: string
  namespace: string
  attrs: Attribute[]
  children: FNode[]
  parent: FParent | null
  /** Template contents (HTML template elements). */
  content: FContainer | null
  shadowRoot: FContainer | null
}

export interface FText {
  kind: 'text'
  data: string
  parent: FParent | null
}

export interface FComment {
  kind: 'comment'
  data: string
  parent: FParent | null
}

export interface FDoctype {
  kind: 'doctype'
  name: string
  publicId: string
  systemId: string
  parent: FParent | null
}

export type FParent = FElement | FContainer
type Child = FElement | FText | FComment | FDoctype

const HTML_NS = 'http://www.w3.org/1999/xhtml'
const SVG_NS = 'http://www.w3.org/2000/svg'
const MATHML_NS = 'http://www.w3.org/1998/Math/MathML'

function parentOf(node: FNode): FParent | null {
  return node.kind === 'document' || node.kind === 'fragment' || node.kind === 'shadow' ? null : node.parent
}

function childrenOf(p: FNode): FNode[] {
  if (p.kind === 'text' || p.kind === 'comment' || p.kind === 'doctype') throw new TypeError('not a parent')
  return p.children
}

function detach(node: FNode): void {
  const parent = parentOf(node)
  if (parent === null) return
  const list = parent.children
  const i = list.indexOf(node)
  if (i >= 0) list.splice(i, 1)
  ;(node as Child).parent = null
}

export class FullTree implements TreeAdapter<FNode> {
  readonly document: FContainer = { kind: 'document', children: [], parent: null }
  mode: DocumentMode = 'no-quirks'
  /** Every element created, in creation order. */
  readonly created: FElement[] = []
  readonly popped: FNode[] = []

  createElement(name: string, namespace: string, attrs: Attribute[]): FNode {
    const el: FElement = {
      kind: 'element',
      name,
      namespace,
      attrs,
      children: [],
      parent: null,
      content: null,
      shadowRoot: null,
    }
    this.created.push(el)
    return el
  }

  appendChild(parent: FNode, child: FNode): void {
    detach(child)
    childrenOf(parent).push(child)
    ;(child as Child).parent = parent as FParent
  }

  insertBefore(parent: FNode, child: FNode, reference: FNode): void {
    detach(child)
    const list = childrenOf(parent)
    list.splice(list.indexOf(reference), 0, child)
    ;(child as Child).parent = parent as FParent
  }

  appendText(parent: FNode, data: string): void {
    const list = childrenOf(parent)
    const last = list[list.length - 1]
    if (last?.kind === 'text') last.data += data
    else list.push({ kind: 'text', data, parent: parent as FParent })
  }

  insertTextBefore(parent: FNode, data: string, reference: FNode): void {
    const list = childrenOf(parent)
    const i = list.indexOf(reference)
    const prev = list[i - 1]
    if (i > 0 && prev?.kind === 'text') prev.data += data
    else list.splice(i, 0, { kind: 'text', data, parent: parent as FParent })
  }

  appendComment(parent: FNode, data: string): void {
    childrenOf(parent).push({ kind: 'comment', data, parent: parent as FParent })
  }

  detach(node: FNode): void {
    detach(node)
  }

  moveChildren(from: FNode, to: FNode): void {
    const moving = childrenOf(from).splice(0)
    for (const c of moving) {
      childrenOf(to).push(c)
      ;(c as Child).parent = to as FParent
    }
  }

  templateContents(template: FNode): FNode {
    const el = template as FElement
    el.content ??= { kind: 'fragment', children: [], parent: null }
    return el.content
  }

  attachShadowRoot(host: FNode, _template: FNode, init: ShadowRootInit): FNode {
    const root: FContainer = { kind: 'shadow', children: [], parent: null, mode: init.mode }
    ;(host as FElement).shadowRoot = root
    return root
  }

  addAttributes(element: FNode, added: Attribute[]): void {
    // In the fragment case the root html element is the fragment itself, which shows no attributes.
    if (element.kind === 'element') element.attrs = [...element.attrs, ...added]
  }

  elementPopped(element: FNode): void {
    this.popped.push(element)
  }

  setDoctype(name: string, publicId: string, systemId: string): void {
    this.document.children.push({ kind: 'doctype', name, publicId, systemId, parent: this.document })
  }

  setDocumentMode(mode: DocumentMode): void {
    this.mode = mode
  }

  cloneOptionIntoSelectedContent(option: FNode, selectedcontent: FNode): void {
    const target = selectedcontent as FElement
    for (const c of target.children) (c as Child).parent = null
    target.children = []
    for (const c of (option as FElement).children) {
      const copy = cloneNode(c)
      ;(copy as Child).parent = target
      target.children.push(copy)
    }
  }
}

function cloneNode(node: FNode): FNode {
  switch (node.kind) {
    case 'text':
    case 'comment':
      return { ...node, parent: null }
    case 'element': {
      const el: FElement = {
        ...node,
        attrs: node.attrs.map((a) => ({ ...a })),
        children: [],
        parent: null,
        content: null,
        shadowRoot: null,
      }
      for (const c of node.children) {
        const copy = cloneNode(c)
        ;(copy as Child).parent = el
        el.children.push(copy)
      }
      if (node.content !== null) {
        el.content = { kind: 'fragment', children: node.content.children.map(cloneNode), parent: null }
      }
      return el
    }
    default:
      throw new TypeError(`cannot clone ${node.kind}`)
  }
}

function qualifiedName(el: FElement): string {
  if (el.namespace === SVG_NS) return `svg ${el.name}`
  if (el.namespace === MATHML_NS) return `math ${el.name}`
  return el.name
}

function attrName(a: Attribute): string {
  if (a.namespace === undefined) return a.name
  const prefix =
    a.namespace === 'http://www.w3.org/1999/xlink'
      ? 'xlink'
      : a.namespace === 'http://www.w3.org/XML/1998/namespace'
        ? 'xml'
        : a.namespace === 'http://www.w3.org/2000/xmlns/'
          ? 'xmlns'
          : a.namespace
  return `${prefix} ${a.name}`
}

/** html5lib's tree dump of a node's children (the document, or a fragment's root). */
export function serialize(root: FNode, shadowRoots = false): string {
  const lines: string[] = []
  const walk = (node: FNode, depth: number): void => {
    const indent = '| ' + '  '.repeat(depth)
    switch (node.kind) {
      case 'doctype': {
        const ids =
          node.publicId !== '' || node.systemId !== '' ? ` "${node.publicId}" "${node.systemId}"` : ''
        lines.push(`${indent}<!DOCTYPE ${node.name}${ids}>`)
        return
      }
      case 'comment':
        lines.push(`${indent}<!-- ${node.data} -->`)
        return
      case 'text':
        lines.push(`${indent}"${node.data}"`)
        return
      case 'element': {
        lines.push(`${indent}<${qualifiedName(node)}>`)
        const attrs = node.attrs.map((a) => [attrName(a), a.value] as const)
        attrs.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
        for (const [name, value] of attrs) lines.push(`${indent}  ${name}="${value}"`)
        if (shadowRoots && node.shadowRoot !== null) {
          lines.push(`${indent}  #shadow-root (${node.shadowRoot.mode})`)
          for (const c of node.shadowRoot.children) walk(c, depth + 2)
        }
        if (node.content !== null && node.namespace === HTML_NS && node.name === 'template') {
          lines.push(`${indent}  content`)
          for (const c of node.content.children) walk(c, depth + 2)
        }
        for (const c of node.children) walk(c, depth + 1)
        return
      }
      default:
        for (const c of node.children) walk(c, depth)
    }
  }
  walk(root, 0)
  return lines.join('\n')
}
