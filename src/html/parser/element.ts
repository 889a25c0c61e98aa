import type { Attribute } from './tokens.js'
import { NS, type Ns } from './tag-sets.js'

/**
 * What the tree builder knows about one element it created: enough to answer every question the rules
 * of HTML §13.2.6 ask (name, namespace, attributes, position on the stack and in the list of active
 * formatting elements, its parent in the tree) without asking the tree adapter.
 */
export class El<N> {
  /** The adapter's handle. */
  handle: N
  /** The local name as the element has it (adjusted SVG names keep their case). */
  readonly name: string
  /** Tag id (tag-sets.ts) of the name; with `ns` it identifies the rules' elements. */
  readonly id: number
  readonly ns: Ns
  readonly attrs: Attribute[]
  /** Bits of K: the scope lists and categories the element belongs to. */
  readonly kinds: number
  /** The parent element in the tree, or null (no parent, or a parent that is not an element). */
  parent: El<N> | null = null
  /** The parent node's handle (an element's, the document, a template's contents, a shadow root); null if none. */
  parentNode: N | null = null
  /** Position on the stack of open elements, -1 when not on it. */
  index = -1
  /** Position in the list of active formatting elements, -1 when not in it. */
  afeIndex = -1
  /** Noah's Ark identity (name, namespace, attributes), computed when first pushed onto the list. */
  noahKey: string | null = null
  /** 1: an HTML integration point; 2: a MathML text integration point (§13.2.6.1). */
  integration = 0
  /** Template contents or, for a declarative shadow root's template, the shadow root. */
  contents: N | null = null
  /** A host that has a shadow root already (§13.2.6.4.4 "is a shadow host"). */
  shadowHost = false

  // Select bookkeeping for §4.10.10 "maybe clone an option into selectedcontent".
  /** Nearest select ancestor in the tree (not the element itself), or null. */
  nearSelect: El<N> | null = null
  /** Bits of SEL for what lies strictly between this element and `nearSelect`. */
  between = 0
  /** For a select: the option whose selectedness is true (single-select bookkeeping). */
  selectedOption: El<N> | null = null
  /** For a select: its enabled selectedcontent descendants (§4.10.7), or null. */
  selectedContents: El<N>[] | null = null

  constructor(handle: N, name: string, id: number, ns: Ns, attrs: Attribute[], kinds: number) {
    this.handle = handle
    this.name = name
    this.id = id
    this.ns = ns
    this.attrs = attrs
    this.kinds = kinds
  }

  is(id: number): boolean {
    return this.id === id && this.ns === NS.HTML
  }

  attr(name: string): string | undefined {
    const attrs = this.attrs
    for (let i = 0; i < attrs.length; i++) {
      if (attrs[i]!.name === name && attrs[i]!.namespace === undefined) return attrs[i]!.value
    }
    return undefined
  }
}

/** What can lie between an element and its nearest select ancestor. */
export const SEL = {
  OPTION: 1,
  SELECTEDCONTENT: 2,
  /** hr or datalist. */
  HR_DATALIST: 4,
  OPTGROUP: 8,
  TWO_OPTGROUPS: 16,
} as const
