import { parse, type DefaultTreeAdapterTypes } from 'parse5'
import { HtmlScanner } from '../../src/html/scanner.js'
import type { ElementNode, ParentNode } from '../../src/html/live-tree.js'

type Attr = { name: string; namespace?: string | undefined; value: string }

function key(namespaceURI: string, tagName: string, attrs: readonly Attr[]): string {
  const sorted = attrs.map((a) => `${a.namespace ?? ''}|${a.name}=${a.value}`).sort()
  return `${namespaceURI} ${tagName} ${JSON.stringify(sorted)}`
}

/** The spec DOM's elements (parse5.parse, scripting enabled), template contents excluded: they are inert. */
export function specElements(html: string): string[] {
  const out: string[] = []
  const walk = (node: DefaultTreeAdapterTypes.ParentNode) => {
    for (const child of node.childNodes) {
      if (!('tagName' in child)) continue
      out.push(key(child.namespaceURI, child.tagName, child.attrs))
      walk(child)
    }
  }
  walk(parse(html, { scriptingEnabled: true }))
  return out.sort()
}

/** The root of an element's tree, through declarative shadow roots to their hosts. */
function topOf(element: ElementNode): ParentNode | null {
  let node: ParentNode | null = element
  for (;;) {
    if (node.nodeKind === 'shadow-root') node = node.host
    else if (node.nodeKind !== 'element') return node
    else if (node.parent === null) return node
    else node = node.parent
  }
}

export interface ScannedElements {
  /** Elements the scanner saw inserted live that are still in the document at the end. */
  inDocument: string[]
  /** Elements seen live whose subtree was later removed from the document (a body replaced by <frameset>). */
  removed: { key: string; top: ElementNode | null }[]
}

/** The live elements the scanner reports, fed `chunks` one write each. */
export function scannedElements(chunks: readonly string[]): ScannedElements {
  const seen: ElementNode[] = []
  const scanner = new HtmlScanner({
    documentUrl: new URL('http://localhost/'),
    onFinding: () => {},
    onTokenLimit: () => {},
    maxTokenBytes: Infinity,
    onElement: (el) => seen.push(el),
  })
  for (const chunk of chunks) scanner.write(chunk)
  scanner.end()
  const inDocument: string[] = []
  const removed: ScannedElements['removed'] = []
  for (const el of seen) {
    const k = key(el.namespaceURI, el.tagName, el.attrs)
    const top = topOf(el)
    if (top?.nodeKind === 'document') inDocument.push(k)
    else removed.push({ key: k, top: top?.nodeKind === 'element' ? top : null })
  }
  return { inDocument: inDocument.sort(), removed }
}
