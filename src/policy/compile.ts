/**
 * Semantic checks of a policy's directives, shared by policy objects and CSP strings: every name is
 * a known directive, every source expression is valid CSP3 grammar (§2.3.1), and nothing is used
 * that only a browser can enforce at run time.
 */
import { isConsultedDirective, isKnownDirective, isSourceListDirective } from './directives.js'
import { splitOnAsciiWhitespace } from './csp-string.js'
import { fieldPath, policyError, unknownDirective, unsupported, type Origin } from './messages.js'
import { parseSourceExpression, type Keyword } from './source-expression.js'
import type { SourceList } from './types.js'

export interface CompiledDirectives {
  readonly directives: Map<string, SourceList>
  /** Known directives tagwarden never consults, in order of appearance. */
  readonly unchecked: string[]
  readonly warnings: string[]
}

/**
 * Keywords that are valid but cannot change what markup is allowed: accepted, and said so.
 * `'unsafe-eval'` and `'wasm-unsafe-eval'` gate eval()/WebAssembly compilation at run time (CSP3
 * §4.4, §4.5), which no markup shows; `'report-sample'` only shapes browser reports (§4.2.3 step
 * 3.1.6); `'unsafe-allow-redirects'` only concerns redirects, which markup never has.
 */
const NO_EFFECT: Partial<Record<Keyword, string>> = {
  'unsafe-eval': 'it governs eval() at run time',
  'wasm-unsafe-eval': 'it governs WebAssembly compilation at run time',
  'report-sample': 'it only shapes browser violation reports',
  'unsafe-allow-redirects': 'it only concerns redirects',
}

/**
 * Why tagwarden refuses these in directives it enforces (DESIGN.md: a clear configuration error,
 * never silently ignored). 'strict-dynamic' trusts whatever already-trusted scripts insert at run
 * time (CSP3 §8.2) and makes host sources and 'unsafe-inline' ignored for scripts; a nonce is minted
 * per response and only the server that minted it knows which element carries the real one (§7.1).
 */
const STRICT_DYNAMIC =
  "'strict-dynamic' trusts what scripts insert at run time, which a server cannot see; list script URLs or 'sha256-…' hashes instead"
const NONCE =
  "nonces are minted per response and matched by the browser, so a fixed nonce in a policy would allow any injected element carrying it; use 'sha256-…' hashes for inline code"

export function compileDirectives(
  entries: Iterable<readonly [string, unknown]>,
  parent: string,
  origin: Origin,
): CompiledDirectives {
  const directives = new Map<string, SourceList>()
  const unchecked: string[] = []
  const warnings: string[] = []
  for (const [name, value] of entries) {
    const field = fieldPath(parent, name)
    if (!isKnownDirective(name)) throw unknownDirective(origin, field, name)
    const tokens = typeof value === 'string' ? splitOnAsciiWhitespace(value) : (value as readonly string[])
    if (isSourceListDirective(name)) checkSourceList(name, tokens, field, origin, warnings)
    else checkTokens(tokens, field, origin)
    if (!isConsultedDirective(name)) unchecked.push(name)
    directives.set(name, { expressions: Object.freeze([...tokens]) })
  }
  return { directives, unchecked, warnings }
}

function checkSourceList(
  name: string,
  tokens: readonly string[],
  field: string,
  origin: Origin,
  warnings: string[],
): void {
  const enforced = isConsultedDirective(name)
  tokens.forEach((token, index) => {
    const at = fieldPath(field, index)
    const result = parseSourceExpression(token)
    if (!result.ok) throw policyError(origin, at, result.expected, { got: token })
    const expression = result.expression
    // §2.3.1: serialized-source-list = source expressions / "'none'" — never both. A browser drops
    // the 'none' (§6.7.2.6 note); here it is a mistake worth a message.
    if (expression.kind === 'none' && tokens.length > 1) {
      throw policyError(origin, at, "expected 'none' alone ('none' with other expressions is ignored)")
    }
    if (!enforced) return // e.g. a nonce in connect-src cannot change any verdict
    if (expression.kind === 'nonce') throw unsupported(origin, at, NONCE)
    if (expression.kind === 'keyword' && expression.keyword === 'strict-dynamic') {
      throw unsupported(origin, at, STRICT_DYNAMIC)
    }
    if (expression.kind !== 'keyword') return
    const why = NO_EFFECT[expression.keyword]
    if (why) warnings.push(`${origin.name}: ${at}: '${expression.keyword}' has no effect on markup: ${why}`)
  })
}

/** Values of non-source-list directives (sandbox, report-to, …) are kept as written, but must be tokens. */
function checkTokens(tokens: readonly string[], field: string, origin: Origin): void {
  tokens.forEach((token, index) => {
    if (!/^[\x21-\x2b\x2d-\x3a\x3c-\x7e]+$/.test(token)) {
      throw policyError(
        origin,
        fieldPath(field, index),
        'expected a token of visible ASCII characters other than ";" and ","',
        {
          got: token,
        },
      )
    }
  })
}
