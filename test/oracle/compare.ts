/**
 * tagwarden against the browser. Two questions:
 *
 * 1. Does tagwarden's parser build the browser's DOM? Its tree builder, with the full-tree test
 *    adapter, gives the final live elements (the document's and its declarative shadow roots', not
 *    template contents; an `<iframe srcdoc>` document parsed as its own) — compared with Chromium's
 *    at the level that matters, the references the policy is asked about, through the same
 *    `references.ts` on both sides (and the elements, for diagnosis).
 * 2. Does the scanner report them? Its findings must hold every reference of the final DOM (else a
 *    bypass), and nothing but references of elements the parser built at some point: an element can
 *    be live when inserted and gone at the end (a body replaced by `<frameset>`, a `<selectedcontent>`
 *    whose children the selected option's clones replaced) — tagwarden reports those, the browser
 *    has started their fetches or run their scripts.
 */
import { elementChecks, inlineTextOf } from '../../src/html/references.js'
import { HtmlScanner } from '../../src/html/scanner.js'
import { Tokenizer } from '../../src/html/parser/tokenizer.js'
import { TreeBuilder } from '../../src/html/parser/tree-builder.js'
import type { Attribute } from '../../src/html/parser/tokens.js'
import { FullTree, type FElement, type FNode } from '../helpers/full-tree.js'
import type { OracleElement } from './chromium.js'

/** An element as both sides describe it. */
export interface LiveElement {
  namespaceURI: string
  tagName: string
  attrs: Attribute[]
  parentTagName: string | null
  text: string | null
  srcdoc: LiveElement[] | null
}

export interface View {
  /** `directive <element> attribute="value"`, one per distinct reference (srcdoc documents' included). */
  refs: Set<string>
  /** `namespace name [attributes]` of the live elements, for diagnosis. */
  elements: Set<string>
}

const BASE = 'http://oracle.test/'

const refKey = (directive: string, element: string, attribute: string | null, value: string) =>
  `${directive} <${element}> ${attribute ?? '#text'}=${JSON.stringify(value)}`

const elementKey = (el: LiveElement) =>
  `${el.namespaceURI.slice(el.namespaceURI.lastIndexOf('/') + 1)} ${el.tagName} ${JSON.stringify(
    el.attrs.map((a) => `${a.name}=${a.value}`).sort(),
  )}`

/** The document as the browser receives it: served as UTF-8, lone surrogates become U+FFFD. */
export function asServed(html: string): string {
  return Buffer.from(html, 'utf8').toString('utf8')
}

function parses(value: string): boolean {
  try {
    new URL(value, BASE)
    return true
  } catch {
    return false
  }
}

/** The references `elements` ask the policy about, as the scanner words them. */
export function viewOf(elements: readonly LiveElement[]): View {
  const view: View = { refs: new Set(), elements: new Set() }
  const visit = (list: readonly LiveElement[]) => {
    for (const el of list) {
      view.elements.add(elementKey(el))
      for (const check of elementChecks(el, el.parentTagName)) {
        if (check.kind === 'srcdoc') continue
        // A URL that does not parse is never fetched: the scanner drops it.
        if (check.kind === 'url' && !parses(check.value)) continue
        // A javascript: navigation is judged as inline script.
        const directive = check.kind === 'navigation' ? 'script-src-elem' : check.directive
        view.refs.add(refKey(directive, el.tagName, check.attribute, check.value))
      }
      const inline = inlineTextOf(el)
      if (inline !== null) view.refs.add(refKey(inline.directive, el.tagName, null, el.text ?? ''))
      if (el.srcdoc !== null) visit(el.srcdoc)
    }
  }
  visit(elements)
  return view
}

// Tagwarden's parser with the full-tree adapter ------------------------------------------------------

function textOf(el: FElement): string {
  let text = ''
  for (const c of el.children) if (c.kind === 'text') text += c.data
  return text
}

function toLive(el: FElement, parentTagName: string | null, depth: number): LiveElement {
  const srcdoc = el.attrs.find((a) => a.name === 'srcdoc' && a.namespace === undefined)
  const isIframe = el.name === 'iframe' && el.namespace === 'http://www.w3.org/1999/xhtml'
  return {
    namespaceURI: el.namespace,
    tagName: el.name,
    attrs: el.attrs,
    parentTagName,
    text: el.name === 'script' || el.name === 'style' ? textOf(el) : null,
    srcdoc: isIframe && srcdoc !== undefined && depth < 8 ? parsed(srcdoc.value, depth + 1).live : null,
  }
}

/** The live elements at the end, and every element the parser created on the way. */
function parsed(html: string, depth = 0): { live: LiveElement[]; created: LiveElement[] } {
  const tree = new FullTree()
  const builder = new TreeBuilder(tree, null)
  const tokenizer = new Tokenizer(builder)
  builder.connect(tokenizer)
  tokenizer.write(html)
  tokenizer.end()
  const live: LiveElement[] = []
  const walk = (children: readonly FNode[], parentTagName: string | null) => {
    for (const node of children) {
      if (node.kind !== 'element') continue
      live.push(toLive(node, parentTagName, depth))
      if (node.shadowRoot !== null) walk(node.shadowRoot.children, null)
      walk(node.children, node.name)
    }
  }
  walk(tree.document.children, null)
  const created = tree.created.map((el) =>
    toLive(el, el.parent?.kind === 'element' ? el.parent.name : null, depth),
  )
  return { live, created }
}

export interface TagwardenView extends View {
  /** What the scanner reported, fed the document in `chunks`. */
  scanned: Set<string>
  /** The references of every element the parser created (for the scanner's extra reports). */
  ever: Set<string>
}

export function tagwardenView(html: string, chunks: readonly string[] = [html]): TagwardenView {
  const { live, created } = parsed(html)
  const scanned = new Set<string>()
  const scanner = new HtmlScanner({
    documentUrl: new URL(BASE),
    maxTokenBytes: Infinity,
    onTokenLimit: () => {},
    onFinding: (f) => scanned.add(refKey(f.ref.directive, f.element, f.attribute, f.value)),
  })
  for (const chunk of chunks) scanner.write(chunk)
  scanner.end()
  return { ...viewOf(live), scanned, ever: viewOf(created).refs }
}

// The browser ------------------------------------------------------------------------------------------

export function browserView(elements: readonly OracleElement[]): View {
  return viewOf(elements)
}

// Differences -------------------------------------------------------------------------------------------

export interface Difference {
  /** References only tagwarden's DOM asks (a false alarm), and only the browser's (a bypass). */
  onlyTagwarden: string[]
  onlyBrowser: string[]
  elements: { onlyTagwarden: string[]; onlyBrowser: string[] }
}

const minus = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).sort()

/** Null when both DOMs ask the same references. */
export function difference(ours: View, theirs: View): Difference | null {
  const onlyTagwarden = minus(ours.refs, theirs.refs)
  const onlyBrowser = minus(theirs.refs, ours.refs)
  if (onlyTagwarden.length === 0 && onlyBrowser.length === 0) return null
  return {
    onlyTagwarden,
    onlyBrowser,
    elements: {
      onlyTagwarden: minus(ours.elements, theirs.elements),
      onlyBrowser: minus(theirs.elements, ours.elements),
    },
  }
}

/** What the scanner missed of the final DOM (bypasses), and reported of no element at all. */
export function scannerGaps(view: TagwardenView): { missed: string[]; unfounded: string[] } {
  return { missed: minus(view.refs, view.scanned), unfounded: minus(view.scanned, view.ever) }
}
