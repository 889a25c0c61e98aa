import type { Attribute } from './parser/tokens.js'
import type { CheckedDirective, InlineType } from '../policy/types.js'
import { refreshTarget } from './refresh.js'
import { srcsetUrls } from './srcset.js'

/**
 * What one element asks of the policy, before URLs are resolved: the table of elements and
 * attributes tagwarden checks. Each entry cites the HTML Standard step that makes the browser fetch,
 * run or navigate; where the browser would do nothing (a non-script `type`, an empty `src`), there is
 * nothing to check.
 */
export type ElementCheck =
  | {
      kind: 'url'
      directive: CheckedDirective
      attribute: string
      value: string
      resolve: 'base' | 'document'
      /** SRI metadata of a script request (`integrity`), which hash sources can allow (CSP3 #script-pre-request). */
      integrity?: string | undefined
    }
  | { kind: 'inline'; directive: CheckedDirective; type: InlineType; attribute: string; value: string }
  /** A navigation to a `javascript:` URL: inline script (CSP3 §4.2.4). */
  | { kind: 'navigation'; attribute: string; value: string }
  /** An `<iframe srcdoc>` document, inspected as a document of its own under the same policy. */
  | { kind: 'srcdoc'; attribute: string; value: string }

/** Where inline element text is collected until the element closes. */
export type InlineText = { directive: CheckedDirective; type: InlineType }

const XLINK = 'http://www.w3.org/1999/xlink'
const HTML_NS = 'http://www.w3.org/1999/xhtml'
const SVG_NS = 'http://www.w3.org/2000/svg'

function attr(attrs: readonly Attribute[], name: string): string | undefined {
  for (const a of attrs) if (a.name === name && a.namespace === undefined) return a.value
  return undefined
}

/** SVG `href`, falling back to `xlink:href` (SVG 2 §16.1.3). */
function svgHref(attrs: readonly Attribute[]): { name: string; value: string } | undefined {
  const plain = attr(attrs, 'href')
  if (plain !== undefined) return { name: 'href', value: plain }
  for (const a of attrs)
    if (a.name === 'href' && a.namespace === XLINK) return { name: 'xlink:href', value: a.value }
  return undefined
}

const JS_MIME_TYPES = new Set([
  'application/ecmascript',
  'application/javascript',
  'application/x-ecmascript',
  'application/x-javascript',
  'text/ecmascript',
  'text/javascript',
  'text/javascript1.0',
  'text/javascript1.1',
  'text/javascript1.2',
  'text/javascript1.3',
  'text/javascript1.4',
  'text/javascript1.5',
  'text/jscript',
  'text/livescript',
  'text/x-ecmascript',
  'text/x-javascript',
])

/**
 * Whether a `<script>` runs at all: HTML §4.12.1.1 "prepare the script element", steps 8–12 (the
 * script's type). A data block (`type=text/template`, JSON-LD) is never run, so never checked by CSP.
 */
export function isRunnableScript(attrs: readonly Attribute[]): boolean {
  const type = attr(attrs, 'type')
  const language = attr(attrs, 'language')
  let blockType: string
  if (type === undefined ? language === undefined || language === '' : type === '')
    blockType = 'text/javascript'
  else if (type === undefined) blockType = `text/${language}`
  else blockType = type
  blockType = blockType.trim().toLowerCase()
  return (
    JS_MIME_TYPES.has(blockType) ||
    blockType === 'module' ||
    blockType === 'importmap' ||
    blockType === 'speculationrules'
  )
}

/** HTML §4.2.6 "update a style block", step 4: only `text/css` (or no type) styles apply. */
function isCssStyle(attrs: readonly Attribute[]): boolean {
  const type = attr(attrs, 'type')
  return type === undefined || type === '' || type.trim().toLowerCase() === 'text/css'
}

/** The inline text an element runs or applies, if any: checked once the element closes. */
export function inlineTextOf(element: {
  tagName: string
  namespaceURI: string
  attrs: Attribute[]
}): InlineText | null {
  const { tagName, namespaceURI, attrs } = element
  if (tagName === 'script') {
    if (namespaceURI === HTML_NS && isRunnableScript(attrs) && attr(attrs, 'src') === undefined) {
      return { directive: 'script-src-elem', type: 'script' }
    }
    if (namespaceURI === SVG_NS && svgHref(attrs) === undefined) {
      return { directive: 'script-src-elem', type: 'script' }
    }
    return null
  }
  if (tagName === 'style' && (namespaceURI === SVG_NS || (namespaceURI === HTML_NS && isCssStyle(attrs)))) {
    return { directive: 'style-src-elem', type: 'style' }
  }
  return null
}

/** HTML §4.6.7 link types that fetch: `rel` tokens are ASCII-case-insensitive and whitespace-separated. */
function linkChecks(attrs: readonly Attribute[], out: ElementCheck[]): void {
  const href = attr(attrs, 'href')
  if (href === undefined || href === '') return
  const rel = (attr(attrs, 'rel') ?? '').toLowerCase().split(/[\t\n\f\r ]+/)
  const as = (attr(attrs, 'as') ?? '').trim().toLowerCase()
  const integrity = attr(attrs, 'integrity')
  const url = (directive: CheckedDirective) =>
    out.push({ kind: 'url', directive, attribute: 'href', value: href, resolve: 'base', integrity })
  if (rel.includes('stylesheet')) url('style-src-elem')
  if (rel.includes('icon')) url('img-src')
  if (rel.includes('modulepreload')) url('script-src-elem')
  if (rel.includes('preload')) {
    // HTML §4.6.7.12: `as` names the request destination; CSP3 §6.8.1 maps it to a directive.
    if (as === 'script') url('script-src-elem')
    else if (as === 'style') url('style-src-elem')
    else if (as === 'image') url('img-src')
  }
}

function srcsetChecks(value: string, out: ElementCheck[]): void {
  for (const u of srcsetUrls(value)) {
    out.push({ kind: 'url', directive: 'img-src', attribute: 'srcset', value: u, resolve: 'base' })
  }
}

const NO_CHECKS: readonly ElementCheck[] = Object.freeze([])

/** The checks an element's own markup asks for. `parentTagName` tells `<picture><source>` apart. */
export function elementChecks(
  element: { tagName: string; namespaceURI: string; attrs: readonly Attribute[] },
  parentTagName: string | null,
): readonly ElementCheck[] {
  const { tagName, namespaceURI, attrs } = element
  // Every check reads an attribute: most elements on a page have none (the hot path skips them).
  if (attrs.length === 0) return NO_CHECKS
  const out: ElementCheck[] = []

  if (namespaceURI === SVG_NS) {
    const href = svgHref(attrs)
    if (href === undefined || href.value.trim() === '') return attributeChecks(attrs, out)
    if (tagName === 'script') {
      out.push({
        kind: 'url',
        directive: 'script-src-elem',
        attribute: href.name,
        value: href.value,
        resolve: 'base',
      })
    } else if (tagName === 'image') {
      out.push({
        kind: 'url',
        directive: 'img-src',
        attribute: href.name,
        value: href.value,
        resolve: 'base',
      })
    } else if (tagName === 'a') {
      navigationCheck(href.name, href.value, out)
    }
    return attributeChecks(attrs, out)
  }
  if (namespaceURI !== HTML_NS) return attributeChecks(attrs, out)

  switch (tagName) {
    case 'script':
      if (isRunnableScript(attrs))
        urlCheck(attrs, 'script-src-elem', 'src', out, 'base', attr(attrs, 'integrity'))
      break
    case 'link':
      linkChecks(attrs, out)
      break
    case 'img':
      urlCheck(attrs, 'img-src', 'src', out)
      if (attr(attrs, 'srcset') !== undefined) srcsetChecks(attr(attrs, 'srcset')!, out)
      break
    case 'source':
      // HTML §4.8.2: `srcset` on a source is an image candidate only inside <picture>.
      if (parentTagName === 'picture' && attr(attrs, 'srcset') !== undefined)
        srcsetChecks(attr(attrs, 'srcset')!, out)
      break
    case 'input':
      if ((attr(attrs, 'type') ?? '').trim().toLowerCase() === 'image') urlCheck(attrs, 'img-src', 'src', out)
      formAction(attrs, 'formaction', out)
      break
    case 'button':
      formAction(attrs, 'formaction', out)
      break
    case 'video':
      urlCheck(attrs, 'img-src', 'poster', out)
      break
    case 'body':
    case 'table':
    case 'td':
    case 'th':
      // HTML §15.3.4 presentational hint: `background` is fetched as an image.
      urlCheck(attrs, 'img-src', 'background', out)
      break
    case 'iframe': {
      // HTML §4.8.5 "process the iframe attributes": a srcdoc document replaces src entirely.
      const srcdoc = attr(attrs, 'srcdoc')
      if (srcdoc !== undefined) {
        out.push({ kind: 'srcdoc', attribute: 'srcdoc', value: srcdoc })
        break
      }
      frameSource(attrs, out)
      break
    }
    case 'frame':
      frameSource(attrs, out)
      break
    case 'object':
      urlCheck(attrs, 'object-src', 'data', out)
      break
    case 'embed':
      urlCheck(attrs, 'object-src', 'src', out)
      break
    case 'base':
      urlCheck(attrs, 'base-uri', 'href', out, 'document')
      break
    case 'form':
      formAction(attrs, 'action', out)
      break
    case 'a':
    case 'area':
      navigationCheck('href', attr(attrs, 'href'), out)
      break
    case 'meta': {
      if ((attr(attrs, 'http-equiv') ?? '').trim().toLowerCase() !== 'refresh') break
      const target = refreshTarget(attr(attrs, 'content') ?? '')
      if (target !== null)
        out.push({
          kind: 'url',
          directive: 'navigate-to',
          attribute: 'content',
          value: target,
          resolve: 'base',
        })
      break
    }
  }
  return attributeChecks(attrs, out)
}

/**
 * A URL-valued attribute. (Plain functions rather than closures over `attrs` and `out`: elementChecks
 * runs for every element with attributes, and the closures were a measurable share of its cost.)
 */
function urlCheck(
  attrs: readonly Attribute[],
  directive: CheckedDirective,
  attribute: string,
  out: ElementCheck[],
  resolve: 'base' | 'document' = 'base',
  integrity?: string,
): void {
  const value = attr(attrs, attribute)
  // An empty URL fetches nothing (e.g. HTML §4.8.5 iframe: empty src is about:blank).
  if (value !== undefined && value.trim() !== '') {
    out.push({ kind: 'url', directive, attribute, value, resolve, integrity })
  }
}

/** Following a link runs nothing unless the link is a `javascript:` URL. */
function navigationCheck(attribute: string, value: string | undefined, out: ElementCheck[]): void {
  if (value !== undefined && isJavascriptUrl(value)) out.push({ kind: 'navigation', attribute, value })
}

/**
 * Event handler content attributes run script (HTML §8.1.8.1) on HTML, SVG and MathML elements;
 * `style` attributes apply CSS (CSP3 §6.1.13 style-src-attr).
 */
function attributeChecks(attrs: readonly Attribute[], out: ElementCheck[]): ElementCheck[] {
  for (const a of attrs) {
    if (a.namespace !== undefined) continue
    const name = a.name
    if (name.length > 2 && name.charCodeAt(0) === 0x6f /* o */ && name.charCodeAt(1) === 0x6e /* n */) {
      out.push({
        kind: 'inline',
        directive: 'script-src-attr',
        type: 'script attribute',
        attribute: name,
        value: a.value,
      })
    } else if (name === 'style') {
      out.push({
        kind: 'inline',
        directive: 'style-src-attr',
        type: 'style attribute',
        attribute: name,
        value: a.value,
      })
    }
  }
  return out
}

/**
 * A frame's `src`. `about:` URLs (about:blank) are not fetched, so CSP never sees them (Fetch §4.2
 * "scheme fetch"; CSP checks requests).
 */
function frameSource(attrs: readonly Attribute[], out: ElementCheck[]): void {
  const src = attr(attrs, 'src')
  if (src === undefined || src.trim() === '') return
  if (isJavascriptUrl(src)) out.push({ kind: 'navigation', attribute: 'src', value: src })
  else if (!isAboutUrl(src))
    out.push({ kind: 'url', directive: 'frame-src', attribute: 'src', value: src, resolve: 'base' })
}

/**
 * A form submits to its action; an empty action submits to the document's URL (HTML §4.10.21.3
 * "form submission algorithm", step 8), which the policy then judges too. A `javascript:` action
 * is a navigation (script), and browsers check it against form-action as well.
 */
function formAction(attrs: readonly Attribute[], name: string, out: ElementCheck[]): void {
  const value = attr(attrs, name)
  if (value === undefined) return
  if (isJavascriptUrl(value)) out.push({ kind: 'navigation', attribute: name, value })
  const resolve = value.trim() === '' ? 'document' : 'base'
  out.push({ kind: 'url', directive: 'form-action', attribute: name, value, resolve })
}

/**
 * Whether a URL string parses to a `javascript:` URL. The URL parser strips leading and trailing C0
 * controls and spaces and removes tabs and newlines anywhere (URL Standard §4.4, basic URL parser),
 * so `java\nscript:` counts.
 */
export function isJavascriptUrl(value: string): boolean {
  return hasScheme(value, 'javascript:')
}

function isAboutUrl(value: string): boolean {
  return hasScheme(value, 'about:')
}

function hasScheme(value: string, scheme: string): boolean {
  // One pass, no copies (this runs for every `<a href>`): skip leading C0 controls and spaces, then
  // match `scheme` (lower-case ASCII) ASCII case-insensitively, skipping tabs and newlines, as the
  // URL parser's scheme state lower-cases ASCII alphas.
  let at = 0
  while (at < value.length && value.charCodeAt(at) <= 0x20) at++
  let matched = 0
  for (; at < value.length && matched < scheme.length; at++) {
    const c = value.charCodeAt(at)
    if (c === 0x09 || c === 0x0a || c === 0x0d) continue
    if ((c >= 0x41 && c <= 0x5a ? c | 0x20 : c) !== scheme.charCodeAt(matched)) return false
    matched++
  }
  return matched === scheme.length
}
