import type { Reference } from '../policy/types.js'
import { LiveTree, type ElementNode, type LiveTreeSink, type ParentNode } from './live-tree.js'
import { Tokenizer } from './parser/tokenizer.js'
import type { Attribute } from './parser/tokens.js'
import { TreeBuilder } from './parser/tree-builder.js'
import { elementChecks, inlineTextOf, type ElementCheck } from './references.js'

/** One reference found on the page, with where it came from. */
export interface Finding {
  readonly ref: Reference
  /** Tag name of the element (as the DOM has it: lower-case in HTML, camel-case kept in SVG). */
  readonly element: string
  /** The attribute the reference came from; null for an element's inline text. */
  readonly attribute: string | null
  /** The attribute value or inline text, as written. */
  readonly value: string
  /** 1-based line and column in the decoded text where the element's start tag ends. */
  readonly line: number
  readonly column: number
}

export interface ScannerOptions {
  /**
   * The document's URL: the fallback base URL against which relative URLs resolve until a `<base href>`
   * is seen (HTML §2.4.1). For an `<iframe srcdoc>` document, the embedding document's base URL.
   */
  documentUrl: URL
  onFinding: (finding: Finding) => void
  /**
   * Called once when a token or an inline script/style grows past `maxTokenBytes`. Parsing stops
   * there: later writes are ignored (the caller has stopped judging the page).
   */
  onTokenLimit: () => void
  /** Largest tag, comment, doctype or inline script/style text, in UTF-16 code units. */
  maxTokenBytes: number
  /** How deep `<iframe srcdoc>` documents nest before the scanner stops descending. */
  maxSrcdocDepth?: number
  /**
   * The most elements open at once (the stack of open elements): past it `onDepthLimit` is called
   * once and parsing stops, as at `maxTokenBytes`. Default unbounded.
   */
  maxNestingDepth?: number
  onDepthLimit?: () => void
  /** Every live element as the tree builder inserts it (for tests and tools that want the elements). */
  onElement?: (element: ElementNode) => void
}

/**
 * Feeds decoded text through tagwarden's tokenizer (HTML §13.2.5) and tree builder (HTML §13.2.6, as
 * the Standard stands today, scripting enabled) into the O(depth) live-tree adapter, and turns each
 * live element into the references the policy judges.
 */
export class HtmlScanner implements LiveTreeSink {
  readonly #options: Required<ScannerOptions>
  readonly #tokenizer: Tokenizer
  readonly #builder: TreeBuilder<ParentNode>
  #baseUrl: URL
  #baseFrozen = false
  /** Open `<script>`/`<style>` elements whose text is being collected (at most the tree depth). */
  #collecting = 0
  #limitHit = false
  #depth: number

  constructor(options: ScannerOptions, depth = 0) {
    this.#options = {
      maxSrcdocDepth: 8,
      maxNestingDepth: Infinity,
      onDepthLimit: options.onTokenLimit,
      onElement: () => {},
      ...options,
    }
    this.#depth = depth
    this.#baseUrl = options.documentUrl
    this.#builder = new TreeBuilder<ParentNode>(new LiveTree(this, options.maxTokenBytes), null, {
      maxOpenElements: this.#options.maxNestingDepth,
      onTooDeep: () => this.#halt(this.#options.onDepthLimit),
    })
    this.#tokenizer = new Tokenizer(this.#builder)
    this.#builder.connect(this.#tokenizer)
  }

  /** Parse more decoded text. Synchronous: every element it completes is reported before this returns. */
  write(text: string): void {
    if (this.#limitHit || text === '') return
    this.#tokenizer.write(text)
    if (this.#tokenizer.tokenLength > this.#options.maxTokenBytes) this.#tokenLimit()
  }

  /** A limit was hit: nothing more is parsed or reported (the caller has stopped judging). */
  #halt(onLimit: () => void): void {
    if (this.#limitHit) return
    this.#limitHit = true
    this.#builder.abort()
    onLimit()
  }

  /** End of input: the tree builder runs its end-of-file steps; unterminated inline text is judged as it is. */
  end(): void {
    if (!this.#limitHit) this.#tokenizer.end()
  }

  /** The tokenizer is between tokens: no partly read tag, comment, doctype or character reference. */
  get atTokenBoundary(): boolean {
    return this.#tokenizer.atTokenBoundary
  }

  /**
   * Everything written so far has been judged: the tokenizer is between tokens and no inline script or
   * style is still open (its text, and so its hash, is not final until it closes).
   */
  get settled(): boolean {
    return this.#collecting === 0 && this.#tokenizer.atTokenBoundary
  }

  // LiveTreeSink

  element(element: ElementNode): void {
    if (this.#limitHit) return
    const { line, column } = this.#tokenizer.position()
    element.line = line
    element.column = column
    this.#options.onElement(element)
    if (element.tagName === 'base' && !this.#baseFrozen) this.#freezeBase(element)
    const parent = element.parent?.nodeKind === 'element' ? element.parent.tagName : null
    this.#report(element, elementChecks(element, parent))
    if (inlineTextOf(element) !== null) {
      element.text = ''
      this.#collecting++
    }
  }

  attributesAdded(element: ElementNode, added: Attribute[]): void {
    if (this.#limitHit) return
    const here = this.#tokenizer.position()
    this.#report({ ...element, ...here }, elementChecks({ ...element, attrs: added }, null))
  }

  textComplete(element: ElementNode): void {
    this.#collecting--
    if (this.#limitHit) return
    const inline = inlineTextOf(element)
    const text = element.text
    element.text = null
    if (inline === null || text === null) return
    const { line, column } = element
    this.#options.onFinding({
      ref: { kind: 'inline', directive: inline.directive, type: inline.type, source: text },
      element: element.tagName,
      attribute: null,
      value: text,
      line,
      column,
    })
  }

  textTooLong(): void {
    this.#collecting--
    this.#tokenLimit()
  }

  #tokenLimit(): void {
    this.#halt(this.#options.onTokenLimit)
  }

  /** HTML §4.2.3 "set the frozen base URL": the first `<base href>` decides; data: and javascript: do not. */
  #freezeBase(element: ElementNode): void {
    const href = element.attrs.find((a) => a.name === 'href' && a.namespace === undefined)
    if (href === undefined) return
    this.#baseFrozen = true
    const url = parseUrl(href.value, this.#options.documentUrl)
    if (url !== null && url.protocol !== 'data:' && url.protocol !== 'javascript:') this.#baseUrl = url
  }

  #report(element: ElementNode, checks: readonly ElementCheck[]): void {
    // An index, not for-of: V8 allocated an iterator per element here (seen in an allocation profile).
    for (let i = 0; i < checks.length; i++) {
      const check = checks[i]!
      switch (check.kind) {
        case 'url': {
          const base = check.resolve === 'document' ? this.#options.documentUrl : this.#baseUrl
          const url = parseUrl(check.value, base)
          // A URL that does not parse is never fetched (HTML §2.4.2 "encoding-parsing a URL" fails).
          if (url === null) break
          const ref: Reference =
            check.integrity === undefined
              ? { kind: 'url', directive: check.directive, url }
              : { kind: 'url', directive: check.directive, url, integrity: check.integrity }
          this.#found(element, ref, check.attribute, check.value)
          break
        }
        case 'inline':
          this.#found(
            element,
            { kind: 'inline', directive: check.directive, type: check.type, source: check.value },
            check.attribute,
            check.value,
          )
          break
        case 'navigation': {
          // CSP3 §4.2.4: a javascript: navigation hashes the URL as parsed and serialised (tabs and
          // newlines removed, leading and trailing spaces trimmed), not the attribute as written.
          const source = parseUrl(check.value, this.#baseUrl)?.href ?? check.value
          this.#found(
            element,
            { kind: 'inline', directive: 'script-src-elem', type: 'navigation', source },
            check.attribute,
            check.value,
          )
          break
        }
        case 'srcdoc': {
          const { line, column } = element
          this.#scanSrcdoc(check.value, (f) => this.#options.onFinding({ ...f, line, column }))
          break
        }
      }
    }
  }

  #found(element: ElementNode, ref: Reference, attribute: string, value: string): void {
    const { tagName, line, column } = element
    this.#options.onFinding({ ref, element: tagName, attribute, value, line, column })
  }

  /**
   * An `<iframe srcdoc>` document is a document of its own (HTML §4.8.5), judged by the same policy;
   * its base URL is the embedding document's (HTML §2.4.1 "fallback base URL", about:srcdoc).
   */
  #scanSrcdoc(srcdoc: string, onFinding: (f: Finding) => void): void {
    if (this.#depth >= this.#options.maxSrcdocDepth) {
      this.#tokenLimit()
      return
    }
    const nested = new HtmlScanner(
      { ...this.#options, documentUrl: this.#baseUrl, onFinding, onTokenLimit: () => this.#tokenLimit() },
      this.#depth + 1,
    )
    nested.write(srcdoc)
    nested.end()
  }
}

function parseUrl(value: string, base: URL): URL | null {
  try {
    return new URL(value, base)
  } catch {
    return null
  }
}
