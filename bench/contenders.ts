import { HTMLRewriter } from 'html-rewriter-wasm'
import { Parser } from 'htmlparser2'
import { parse } from 'parse5'
import { SAXParser } from 'parse5-sax-parser'
import { finished } from 'node:stream/promises'
import type { Policy } from '../src/index.js'
import type { TagwardenLib } from './baseline.js'
import { DOCUMENT, type Page } from './corpus.js'
import { assertClean, feedInspector } from './feed.js'

/** One way of reading a page. Peers do the least a detector built on them would: count elements. */
export interface Contender {
  /** Stable id: JSON key and `--only` name. */
  readonly key: string
  /** Label in the table. */
  readonly name: string
  read(page: Page): Promise<void> | void
}

/**
 * The element names tagwarden checks (src/html/references.ts), SVG's `image` included (its `script`
 * and `a` share HTML's names). lol-html cannot tell namespaces apart in a selector.
 */
export const CHECKED_ELEMENTS = [
  'script', 'link', 'style', 'img', 'source', 'input', 'button', 'video', 'body', 'table', 'td', 'th',
  'iframe', 'frame', 'object', 'embed', 'base', 'form', 'a', 'area', 'meta', 'image',
] // prettier-ignore

export let elementsSeen = 0 // read by nobody: keeps handlers from being optimised away
const count = () => {
  elementsSeen++
}

/** tagwarden's Node stream; `baseline` is an earlier commit's build (bench/baseline.ts) and its policy. */
export function tagwarden(
  policy: Policy,
  action: 'report' | 'block',
  baseline?: { commit: string; create: TagwardenLib['createInspector'] },
): Contender {
  const suffix = baseline === undefined ? '' : `@${baseline.commit}`
  return {
    key: `tagwarden-${action}${suffix}`,
    name: `tagwarden ${action}${baseline === undefined ? '' : ` at ${baseline.commit}`}`,
    async read(page) {
      const fed = await feedInspector(page.chunks, { ...DOCUMENT, policy, action }, baseline?.create)
      assertClean(`tagwarden ${action}${suffix}: ${page.name}`, fed, page.bytes.length)
    },
  }
}

function lolHtml(key: string, name: string, selector: string): Contender {
  return {
    key,
    name,
    async read(page) {
      // A rewriter re-emits the document: its output is part of its cost, as tagwarden's gate is.
      const rewriter = new HTMLRewriter(() => {}).on(selector, { element: count })
      try {
        for (const c of page.chunks) await rewriter.write(c)
        await rewriter.end()
      } finally {
        rewriter.free()
      }
    },
  }
}

/** Peers that read text decode UTF-8 as they go (tagwarden decodes too: the header says utf-8). */
function* text(page: Page): Generator<string> {
  const decoder = new TextDecoder()
  for (const c of page.chunks) yield decoder.decode(c, { stream: true })
  yield decoder.decode()
}

const htmlparser2: Contender = {
  key: 'htmlparser2',
  name: 'htmlparser2 (Parser, onopentag)',
  read(page) {
    const parser = new Parser({ onopentag: count })
    for (const t of text(page)) parser.write(t)
    parser.end()
  },
}

const parse5Sax: Contender = {
  key: 'parse5-sax-parser',
  name: 'parse5-sax-parser (SAXParser)',
  async read(page) {
    const parser = new SAXParser()
    parser.on('startTag', count)
    parser.resume() // it passes the text through: drain it
    for (const t of text(page)) parser.write(t)
    parser.end()
    await finished(parser)
  },
}

const parse5Parse: Contender = {
  key: 'parse5.parse',
  name: 'parse5.parse (whole document, full DOM)',
  read(page) {
    if (parse(new TextDecoder().decode(page.bytes)).childNodes.length > 0) count()
  },
}

/** The floor: any scanner must at least find every `<`. */
const indexOfFloor: Contender = {
  key: 'indexof-floor',
  name: "`Buffer.indexOf('<')` floor",
  read(page) {
    for (const c of page.chunks) {
      for (let at = c.indexOf(0x3c); at !== -1; at = c.indexOf(0x3c, at + 1)) elementsSeen++
    }
  },
}

/** In table order; the first is the baseline ratios are taken against. No policy, no tagwarden. */
export function contenders(policy: Policy | null): Contender[] {
  return [
    ...(policy === null ? [] : [tagwarden(policy, 'report'), tagwarden(policy, 'block')]),
    lolHtml('lol-html', `lol-html (${CHECKED_ELEMENTS.length} element names)`, CHECKED_ELEMENTS.join(', ')),
    lolHtml('lol-html-star', 'lol-html (`*`)', '*'),
    htmlparser2,
    parse5Sax,
    parse5Parse,
    indexOfFloor,
  ]
}
