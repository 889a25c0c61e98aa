/**
 * What `learn` accumulates, reference by reference: per directive, the source expressions that allow
 * exactly what was seen (see learn.ts for the rules). `tagwarden learn` uses it unbounded; the
 * proxy's live learning (issue 14) bounds it, since real traffic can grow a policy without end:
 *
 * - `maxHashes`: distinct inline hashes per directive. Inline code that differs on every response (a
 *   per-request token, a timestamp) would add one hash per response; past the bound, no more are
 *   added and the directive is `capped`, with the pages that brought the refused ones.
 * - `maxPathsPerOrigin`: distinct paths of one origin in one directive. Past it, the origin's paths
 *   collapse to their longest common folder (`https://cdn.example/js/`; `/`: the whole origin) —
 *   a path ending in "/" allows everything below it (CSP3 §6.7.2.11) — said as a widening.
 */
import type { LearnedPolicy } from './learn.js'
import { CHECKED_DIRECTIVES, type Reference } from './types.js'
import { effectiveDirectiveForInline } from './directives.js'
import { digestBase64 } from './hash.js'
import { schemeOf } from './url-match.js'

export interface LearnerBounds {
  maxHashes: number
  maxPathsPerOrigin: number
}

/** Pages named per capped directive, at most. */
const MAX_NAMED_PAGES = 10

interface OriginPaths {
  /** Exact paths seen, until collapsed. */
  paths: Set<string>
  /** The common folder once collapsed. */
  prefix?: string
}

interface DirectiveState {
  /** Hashes, keywords and scheme sources. */
  other: Set<string>
  hashes: number
  /** `scheme://host[:port]` -> its paths. */
  origins: Map<string, OriginPaths>
  /** Pages whose inline code was not learned (the bound was reached). */
  cappedPages?: Set<string>
}

export class PolicyLearner {
  readonly #bounds: LearnerBounds
  readonly #directives = new Map<string, DirectiveState>()
  /** Every distinct widening so far (a reference CSP cannot express exactly, a collapse). */
  readonly widenings = new Set<string>()
  /** Called with each widening when it is first made. */
  onWidening: ((message: string) => void) | undefined

  constructor(bounds: Partial<LearnerBounds> = {}) {
    this.#bounds = { maxHashes: Infinity, maxPathsPerOrigin: Infinity, ...bounds }
  }

  /** Learn one reference (`page`: the document's path, named when a bound is reached). Returns whether the policy grew. */
  add(ref: Reference, page = ''): boolean {
    if (ref.kind === 'url') {
      const learned = urlExpression(ref.url)
      if (learned.widened) this.#widen(`${ref.directive}: ${clip(ref.url.href)}: ${learned.widened}`)
      return this.#addExpression(ref.directive, learned.expression, page)
    }
    const directive = effectiveDirectiveForInline(ref.type)
    let grew = this.#addExpression(directive, `'sha256-${digestBase64('sha256', ref.source)}'`, page)
    if (ref.type === 'script attribute' || ref.type === 'style attribute' || ref.type === 'navigation') {
      grew = this.#addExpression(directive, "'unsafe-hashes'", page) || grew
    }
    return grew
  }

  /** Start from a policy learned before (a saved file): its expressions, as if seen. */
  seed(policy: LearnedPolicy): void {
    for (const [directive, expressions] of Object.entries(policy.directives)) {
      if (directive === 'default-src') continue
      for (const expression of expressions) {
        if (expression !== "'none'") this.#addExpression(directive, expression, '')
      }
    }
  }

  /** The policy: every checked directive present, `'none'` where nothing was seen, plus `default-src 'none'`. */
  policy(): LearnedPolicy {
    const directives: Record<string, string[]> = {}
    for (const name of [...CHECKED_DIRECTIVES, 'default-src'].sort()) {
      const expressions = name === 'default-src' ? [] : this.expressions(name)
      directives[name] = expressions.length > 0 ? expressions : ["'none'"]
    }
    return { action: 'block', directives }
  }

  /** One directive's expressions, sorted. */
  expressions(directive: string): string[] {
    const state = this.#directives.get(directive)
    if (state === undefined) return []
    const all = [...state.other]
    for (const [origin, { paths, prefix }] of state.origins) {
      if (prefix !== undefined) all.push(`${origin}${prefix}`)
      else for (const path of paths) all.push(`${origin}${path}`)
    }
    return all.sort()
  }

  /** Directives whose inline hashes reached `maxHashes`, with (some of) the pages that brought more. */
  capped(): Record<string, string[]> {
    const capped: Record<string, string[]> = {}
    for (const [directive, state] of this.#directives) {
      if (state.cappedPages !== undefined) capped[directive] = [...state.cappedPages].sort()
    }
    return capped
  }

  #state(directive: string): DirectiveState {
    let state = this.#directives.get(directive)
    if (state === undefined) {
      state = { other: new Set(), hashes: 0, origins: new Map() }
      this.#directives.set(directive, state)
    }
    return state
  }

  #addExpression(directive: string, expression: string, page: string): boolean {
    const state = this.#state(directive)
    const url = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)(\/.*)$/i.exec(expression)
    if (url !== null) return this.#addPath(directive, state, url[1]!, url[2]!)
    if (state.other.has(expression)) return false
    if (expression.startsWith("'sha")) {
      if (state.hashes >= this.#bounds.maxHashes) {
        if (state.cappedPages === undefined) {
          state.cappedPages = new Set()
          this.#widen(
            `${directive}: more than ${this.#bounds.maxHashes} distinct inline hashes (inline code that ` +
              `changes on every response?): no more are learned`,
          )
        }
        if (state.cappedPages.size < MAX_NAMED_PAGES) state.cappedPages.add(page)
        return false
      }
      state.hashes++
    }
    state.other.add(expression)
    return true
  }

  #addPath(directive: string, state: DirectiveState, origin: string, path: string): boolean {
    let entry = state.origins.get(origin)
    if (entry === undefined) state.origins.set(origin, (entry = { paths: new Set() }))
    if (entry.prefix !== undefined) {
      const prefix = commonFolder(entry.prefix, path)
      if (prefix === entry.prefix) return false
      this.#widen(
        `${directive}: ${origin}: paths collapsed to ${origin}${prefix} (a path outside ${entry.prefix})`,
      )
      entry.prefix = prefix
      return true
    }
    // A path ending in "/" already allows everything below it.
    if (entry.paths.has(path)) return false
    entry.paths.add(path)
    if (entry.paths.size > this.#bounds.maxPathsPerOrigin) {
      const prefix = [...entry.paths].reduce(commonFolder)
      entry.prefix = prefix
      entry.paths.clear()
      this.#widen(
        `${directive}: ${origin}: more than ${this.#bounds.maxPathsPerOrigin} paths, collapsed to ${origin}${prefix}`,
      )
    }
    return true
  }

  #widen(message: string): void {
    if (this.widenings.has(message)) return
    this.widenings.add(message)
    this.onWidening?.(message)
  }
}

/** The longest folder (ending in "/") both paths are in. */
function commonFolder(a: string, b: string): string {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return a.slice(0, a.lastIndexOf('/', i - 1) + 1) || '/'
}

export function urlExpression(url: URL): { expression: string; widened?: string } {
  const scheme = schemeOf(url)
  if (url.host === '') {
    return {
      expression: `${scheme}:`,
      widened: `a URL without a host can only be allowed by scheme; learned "${scheme}:", which allows any ${scheme}: URL here`,
    }
  }
  const port = url.port === '' ? '' : `:${url.port}`
  let path = encodePath(url.pathname)
  let widened: string | undefined
  let host = url.hostname.toLowerCase() // host-part matching is ASCII case-insensitive
  if (!expressibleHost(host)) {
    host = '*'
    widened = `CSP cannot name host ${url.hostname}; learned "*" for it (any host, same scheme, port and path)`
  }
  if (path.startsWith('//')) {
    // A path-part must not start with an empty segment (RFC 3986 path-absolute), so the closest
    // expression is the whole origin.
    path = '/'
    widened = 'CSP cannot write a path starting with "//"; learned "/" (any path on this origin)'
  }
  return { expression: `${scheme}://${host}${port}${path}`, widened }
}

/** host-part = [ "*." ] 1*host-char *( "." 1*host-char ), and IPv4 literals other than 127.0.0.1 never match. */
function expressibleHost(host: string): boolean {
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(host)) return false
  return host === '127.0.0.1' || !/^\d+\.\d+\.\d+\.\d+$/.test(host)
}

/**
 * The URL's path in path-part characters. Anything else (";", ",", "|", "[", a stray "%", …) is
 * percent-encoded: path-part matching decodes each segment on both sides (§6.7.2.11 step 8), so
 * the encoded expression still matches the URL's raw path.
 */
function encodePath(pathname: string): string {
  return pathname.replace(/%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9._~!$&'()*+=:@/%-]/g, (char) =>
    [...Buffer.from(char, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  )
}

function clip(text: string): string {
  return text.length > 100 ? `${text.slice(0, 97)}...` : text
}
