/**
 * Does a directive set allow a reference? CSP3 semantics for one policy:
 *
 * - which directive governs: the first directive of the fallback list (§6.8.3) present in the set,
 *   as §6.8.4 "Should fetch directive execute" arranges; none present means no restriction;
 * - URLs: §6.7.2.6 "Does url match source list in origin with redirect count" (url-match.ts);
 * - inline code: §6.7.3.3 "Does element match source list for type and source" with
 *   §6.7.3.2 "Does a source list allow all inline behavior for type".
 */
import { effectiveDirectiveForInline, fallbackList } from './directives.js'
import { digestBase64, type HashAlgorithm } from './hash.js'
import { parseSourceExpression, type SourceExpression } from './source-expression.js'
import type { CheckedDirective, DirectiveSet, InlineType, Reference, SourceList } from './types.js'
import { exactPathKey, urlMatchesExpression } from './url-match.js'

/** A source list parsed once; expressions that do not parse match nothing, as browsers ignore them. */
interface CompiledList {
  /**
   * Host-sources with an exact host-part, by that host: only they can match a URL of that host
   * (§6.7.2.9 step 4 compares the hosts ASCII case-insensitively), so a learned policy of thousands
   * of URLs costs one look-up, not a scan.
   */
  readonly byHost: ReadonlyMap<string, HostSources>
  /** Every other expression that can match a URL: `*`, schemes, wildcard hosts, 'self'. */
  readonly anyHost: readonly SourceExpression[]
  readonly unsafeInline: boolean
  readonly unsafeHashes: boolean
  readonly strictDynamic: boolean
  readonly hasHashOrNonce: boolean
  readonly hashes: ReadonlyMap<HashAlgorithm, ReadonlySet<string>>
}

/**
 * One host's sources. A learned policy lists every URL of a host as an exact path, so those are
 * indexed too, by exactPathKey: an exact path-part matches only a path with the same key
 * (§6.7.2.11 steps 3-8). Prefix paths (ending in "/") and path-less sources stay in a list.
 */
interface HostSources {
  readonly byPath: ReadonlyMap<string, readonly SourceExpression[]>
  readonly others: readonly SourceExpression[]
}

/** Source lists are immutable (the loader freezes them), so a compiled form is cached per object. */
const compiledLists = new WeakMap<SourceList, CompiledList>()
const HASH_GRAMMAR = /^'(sha256|sha384|sha512)-[A-Za-z0-9+/_-]+={0,2}'$/i

/**
 * True when `set` allows `ref` on a document at `self`. Inline references are judged by the
 * directive their type implies (§6.8.2: a `javascript:` navigation is `script-src-elem`), whatever
 * `ref.directive` says; producers should set it from `effectiveDirectiveForInline`.
 */
export function allows(set: DirectiveSet, ref: Reference, self: URL): boolean {
  const directive = ref.kind === 'inline' ? effectiveDirectiveForInline(ref.type) : ref.directive
  const list = governingList(set, directive)
  if (list === undefined) return true
  const compiled = compile(list)
  if (ref.kind === 'inline') return inlineMatches(compiled, ref.type, ref.source)
  // §6.7.1.1 step 1.3: with 'strict-dynamic', parser-inserted scripts (all scripts in markup) are
  // blocked whatever host sources say. Policies tagwarden loads never contain it; sets built by
  // hand might.
  if (directive === 'script-src-elem' && compiled.strictDynamic) return false
  if (
    directive === 'script-src-elem' &&
    ref.integrity !== undefined &&
    integrityMatches(compiled, ref.integrity)
  ) {
    return true
  }
  if (anyMatches(compiled.anyHost, ref.url, self)) return true
  const host = compiled.byHost.get(ref.url.hostname.toLowerCase())
  if (host === undefined) return false
  if (anyMatches(host.others, ref.url, self)) return true
  const exact = host.byPath.size > 0 ? host.byPath.get(exactPathKey(ref.url.pathname)) : undefined
  return exact !== undefined && anyMatches(exact, ref.url, self)
}

/** A loop rather than `some` with a closure: this runs for every URL on the page. */
function anyMatches(expressions: readonly SourceExpression[], url: URL, self: URL): boolean {
  for (let i = 0; i < expressions.length; i++) {
    if (urlMatchesExpression(url, expressions[i]!, self)) return true
  }
  return false
}

/**
 * CSP3 "script-src Pre-request check" (#script-pre-request) step 1.2: a script request whose
 * integrity metadata is non-empty and whose every hash is one of the list's hash sources is allowed
 * whatever its URL. Metadata per SRI §3.3.3 "parse metadata": whitespace-separated
 * `alg-value[?options]`; tokens of unknown algorithms are skipped.
 */
function integrityMatches(list: CompiledList, integrity: string): boolean {
  if (list.hashes.size === 0) return false
  let sources = 0
  for (const token of integrity.split(/[\t\n\f\r ]+/)) {
    const match = /^(sha256|sha384|sha512)-([A-Za-z0-9+/_-]+={0,2})(\?.*)?$/i.exec(token)
    if (match === null) continue
    sources++
    const algorithm = match[1]!.toLowerCase() as HashAlgorithm
    const value = match[2]!.replace(/-/g, '+').replace(/_/g, '/')
    if (!list.hashes.get(algorithm)?.has(value)) return false
  }
  return sources > 0
}

/** The name of the directive that governs `directive` in `set` (itself or a fallback), if any. */
export function governingDirective(set: DirectiveSet, directive: CheckedDirective): string | undefined {
  return fallbackList(directive).find((name) => set.directives.has(name))
}

function governingList(set: DirectiveSet, directive: CheckedDirective): SourceList | undefined {
  const name = governingDirective(set, directive)
  return name === undefined ? undefined : set.directives.get(name)
}

/**
 * §6.7.3.3, with no element: nonces cannot be judged on the server (and loading rejects them), so
 * step 2 never matches. What remains: 'unsafe-inline' (unless disabled by a hash, a nonce or,
 * for script types, 'strict-dynamic'), then hashes — for attributes and navigations only when
 * 'unsafe-hashes' is present (step 5).
 */
function inlineMatches(list: CompiledList, type: InlineType, source: string): boolean {
  if (allowsAllInline(list, type)) return true // step 1
  if (!(type === 'script' || type === 'style' || list.unsafeHashes)) return false // step 5 guard
  for (const [algorithm, values] of list.hashes) {
    if (values.has(digestBase64(algorithm, source))) return true
  }
  return false
}

/** §6.7.3.2 (#allow-all-inline). */
function allowsAllInline(list: CompiledList, type: InlineType): boolean {
  if (list.hasHashOrNonce) return false
  const scriptType = type === 'script' || type === 'script attribute' || type === 'navigation'
  if (scriptType && list.strictDynamic) return false
  return list.unsafeInline
}

function compile(list: SourceList): CompiledList {
  let compiled = compiledLists.get(list)
  if (compiled) return compiled
  const expressions: SourceExpression[] = []
  // A hash the loader would reject (wrong length, no padding) still matches the hash-source
  // grammar, so it still disables 'unsafe-inline' (§6.7.3.2 step 2.1) though it matches nothing.
  let malformedHash = false
  for (const text of list.expressions) {
    const result = parseSourceExpression(text)
    if (result.ok) expressions.push(result.expression)
    else malformedHash ||= HASH_GRAMMAR.test(text)
  }
  const has = (keyword: string) => expressions.some((e) => e.kind === 'keyword' && e.keyword === keyword)
  const hashes = new Map<HashAlgorithm, Set<string>>()
  for (const e of expressions) {
    if (e.kind !== 'hash') continue
    let values = hashes.get(e.algorithm)
    if (!values) hashes.set(e.algorithm, (values = new Set()))
    values.add(e.value)
  }
  const byHost = new Map<string, { byPath: Map<string, SourceExpression[]>; others: SourceExpression[] }>()
  const anyHost: SourceExpression[] = []
  for (const e of expressions) {
    if (e.kind === 'host' && !e.host.startsWith('*')) {
      let host = byHost.get(e.host)
      if (!host) byHost.set(e.host, (host = { byPath: new Map(), others: [] }))
      if (e.path === '' || e.path.endsWith('/')) host.others.push(e)
      else {
        const key = exactPathKey(e.path)
        const list = host.byPath.get(key)
        if (list) list.push(e)
        else host.byPath.set(key, [e])
      }
    } else if (e.kind === 'star' || e.kind === 'scheme' || e.kind === 'host' || e.kind === 'keyword') {
      anyHost.push(e)
    }
  }
  compiled = {
    byHost,
    anyHost,
    unsafeInline: has('unsafe-inline'),
    unsafeHashes: has('unsafe-hashes'),
    strictDynamic: has('strict-dynamic'),
    hasHashOrNonce: malformedHash || expressions.some((e) => e.kind === 'hash' || e.kind === 'nonce'),
    hashes,
  }
  compiledLists.set(list, compiled)
  return compiled
}
