/**
 * The inspector's scanner as it was before tagwarden parsed for itself (commit 9eb813d): parse5's
 * tree builder through a minimal tree adapter. Kept for `npm run bench -- --baseline`, the contender
 * the new parser is measured against; never used at run time.
 */
import { TokenizerMode, type Token } from 'parse5'
import { ParserStream } from 'parse5-parser-stream'
import type { Reference } from '../../src/policy/types.js'
import { elementChecks, inlineTextOf, type ElementCheck } from '../../src/html/references.js'
import {
  createMinimalTreeAdapter,
  type ElementNode,
  type MinimalTreeMap,
  type TreeSink,
} from './parse5-tree-adapter.js'

/** One reference found on the page, with where it came from. */
interface Finding {
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

interface ScannerOptions {
  /**
   * The document's URL: the fallback base URL against which relative URLs resolve until a `<base href>`
   * is seen (HTML §2.4.1). For an `<iframe srcdoc>` document, the embedding document's base URL.
   */
  documentUrl: URL
  onFinding: (finding: Finding) => void
  /** Called once when a token or an inline script/style grows past `maxTokenBytes`. */
  onTokenLimit: () => void
  /** Largest tag, comment, doctype or inline script/style text, in UTF-16 code units. */
  maxTokenBytes: number
  /** How deep `<iframe srcdoc>` documents nest before the scanner stops descending. */
  maxSrcdocDepth?: number
  /** Every live element as the tree builder inserts it (for tests and tools that want the elements). */
  onElement?: (element: ElementNode) => void
}

/** Tokenizer states between tokens: nothing partly read is waiting for more input. */
const TEXT_STATES: ReadonlySet<number> = new Set(Object.values(TokenizerMode))

/** Positions for elements made without a token of their own (adoption agency clones). */
interface LocatedParser {
  tokenizer: { state: number; preprocessor: { bufferWaterline: number; line: number; col: number } }
}

/**
 * Feeds decoded text into parse5's real tree builder (scripting enabled, HTML §13.2) through the
 * minimal tree adapter, and turns each live element into the references the policy judges.
 */
export class HtmlScanner implements TreeSink {
  readonly #options: Required<ScannerOptions>
  readonly #stream: ParserStream<MinimalTreeMap>
  readonly #parser: LocatedParser
  #baseUrl: URL
  #baseFrozen = false
  /** Elements whose inline text is being collected: open `<script>`/`<style>`, at most the tree depth. */
  readonly #collecting = new Set<ElementNode>()
  #charsWritten = 0
  #charsAtBoundary = 0
  #limitHit = false
  #depth: number

  constructor(options: ScannerOptions, depth = 0) {
    this.#options = { maxSrcdocDepth: 8, onElement: () => {}, ...options }
    this.#depth = depth
    this.#baseUrl = options.documentUrl
    const treeAdapter = createMinimalTreeAdapter(this, options.maxTokenBytes)
    this.#stream = new ParserStream<MinimalTreeMap>({
      treeAdapter,
      sourceCodeLocationInfo: false,
      scriptingEnabled: true,
    })
    this.#parser = this.#stream.parser as unknown as LocatedParser
  }

  /** Parse more decoded text. Synchronous: every element it completes is reported before this returns. */
  write(text: string): void {
    if (text === '') return
    // parse5 keeps up to `bufferWaterline` code units of already-parsed input (64 Ki by default) and
    // appends each write to it, so each write copies what is kept when V8 flattens the string: tiny
    // writes cost O(waterline) each (1-character writes were 4x slower at 64 Ki). A waterline of 0
    // drops parsed input at every token instead, a substring and a gap-stack reset per token (~5% of
    // inspection on real pages in 16 KiB chunks). Keeping as much as this write brings (at most 64 Ki)
    // drops once per write's worth of input, and a write copies at most about twice its own length.
    this.#parser.tokenizer.preprocessor.bufferWaterline = Math.min(text.length, 1 << 16)
    this.#stream.write(text)
    // Deliver pending character tokens now: inline script text is judged, and the tokenizer holds no text.
    this.#stream.flushCharacters()
    this.#charsWritten += text.length
    if (this.atTokenBoundary) this.#charsAtBoundary = this.#charsWritten
    else if (this.#charsWritten - this.#charsAtBoundary > this.#options.maxTokenBytes) this.#tokenLimit()
  }

  /** End of input: the tree builder runs its end-of-file steps; unterminated inline text is judged as it is. */
  end(): void {
    this.#stream.end()
    for (const element of this.#collecting) this.textComplete(element)
  }

  /** The tokenizer is between tokens: no partly read tag, comment, doctype or character reference. */
  get atTokenBoundary(): boolean {
    return TEXT_STATES.has(this.#parser.tokenizer.state)
  }

  /**
   * Everything written so far has been judged: the tokenizer is between tokens and no inline script or
   * style is still open (its text, and so its hash, is not final until it closes).
   */
  get settled(): boolean {
    return this.#collecting.size === 0 && this.atTokenBoundary
  }

  // TreeSink

  element(element: ElementNode): void {
    const { line, col } = this.#parser.tokenizer.preprocessor
    element.line = line
    element.column = col
    this.#options.onElement(element)
    if (element.tagName === 'base' && !this.#baseFrozen) this.#freezeBase(element)
    const parent = element.parent?.nodeKind === 'element' ? element.parent.tagName : null
    this.#report(element, elementChecks(element, parent))
    if (inlineTextOf(element) !== null) {
      element.text = ''
      this.#collecting.add(element)
    }
  }

  attributesAdded(element: ElementNode, added: Token.Attribute[]): void {
    this.#report({ ...element, ...this.#here() }, elementChecks({ ...element, attrs: added }, null))
  }

  textComplete(element: ElementNode): void {
    this.#collecting.delete(element)
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

  textTooLong(element: ElementNode): void {
    this.#collecting.delete(element)
    this.#tokenLimit()
  }

  #tokenLimit(): void {
    if (this.#limitHit) return
    this.#limitHit = true
    this.#options.onTokenLimit()
  }

  /** HTML §4.2.3 "set the frozen base URL": the first `<base href>` decides; data: and javascript: do not. */
  #freezeBase(element: ElementNode): void {
    const href = element.attrs.find((a) => a.name === 'href' && a.namespace === undefined)
    if (href === undefined) return
    this.#baseFrozen = true
    const url = parseUrl(href.value, this.#options.documentUrl)
    if (url !== null && url.protocol !== 'data:' && url.protocol !== 'javascript:') this.#baseUrl = url
  }

  /**
   * Where the tokenizer is: at the end of the token that made the element (the `>` of its start
   * tag). parse5's own source locations would give the start of the tag, at twice the parsing cost.
   */
  #here(): { line: number; column: number } {
    const { line, col } = this.#parser.tokenizer.preprocessor
    return { line, column: col }
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
