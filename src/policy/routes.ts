/**
 * Route path globs and the directive set for a request path.
 *
 * Glob syntax (chosen to read like common path globs): `*` matches any run of characters within
 * one path segment (never a `/`), so `/embed/*` matches `/embed/x` and `/embed/` but not
 * `/embed/x/y`; `**` matches any run of characters across segments, and a whole `**` segment also
 * matches no segment at all (`/a/**\/b` matches `/a/b`). Every other character is literal. Matching
 * is case-sensitive, like URL paths.
 *
 * Both globs and request paths are normalised the way a server sees a path: the query and fragment
 * are dropped, the path is parsed as a WHATWG URL path (`..` and `.` segments resolved, `\` read as
 * `/`, non-ASCII percent-encoded), percent-encoded unreserved characters are decoded (RFC 3986
 * §6.2.2.2) and other percent-encodings upper-cased, so `/%65mbed/x` cannot step around `/embed/*`.
 */
import type { DirectiveSet, Policy, Route } from './types.js'

const compiledGlobs = new WeakMap<Route, RegExp>()

/** The directives that apply to `path` (a request path, query allowed): the first matching route's, else the policy's. */
export function directivesForPath(policy: Policy, path: string): DirectiveSet {
  if (policy.routes.length === 0) return policy.directiveSet
  const normalised = normalisePath(path)
  for (const route of policy.routes) {
    let glob = compiledGlobs.get(route)
    if (!glob) {
      glob = compileGlob(route.path)
      compiledGlobs.set(route, glob)
    }
    if (glob.test(normalised)) return route.directiveSet
  }
  return policy.directiveSet
}

/** Why a glob is unusable (the tail of a one-line message), or undefined when it is fine. */
export function checkGlob(glob: string): string | undefined {
  if (!glob.startsWith('/')) return 'expected a path glob starting with "/"'
  if (!/^[\x21-\x7e]+$/.test(glob))
    return 'expected a path glob of visible ASCII characters (percent-encode others)'
  if (/[?#]/.test(glob)) return 'expected a path glob without query or fragment (routes match paths only)'
  if (glob.includes('***')) return 'expected "*" or "**", not three or more "*" in a row'
  return undefined
}

export function compileGlob(glob: string): RegExp {
  const source = normalisePath(glob)
  let pattern = ''
  for (let i = 0; i < source.length;) {
    if (source.startsWith('**/', i) && (i === 0 || source[i - 1] === '/')) {
      pattern += '(?:.*/)?' // a whole "**" segment: zero or more segments
      i += 3
    } else if (source.startsWith('**', i)) {
      pattern += '.*'
      i += 2
    } else if (source[i] === '*') {
      pattern += '[^/]*'
      i += 1
    } else {
      pattern += source[i]!.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      i += 1
    }
  }
  return new RegExp(`^${pattern}$`)
}

export function normalisePath(path: string): string {
  const cut = path.search(/[?#]/)
  const bare = cut === -1 ? path : path.slice(0, cut)
  const pathname = new URL(bare.startsWith('/') ? bare : `/${bare}`, 'http://tagwarden.invalid').pathname
  return pathname.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16))
    return /[A-Za-z0-9._~-]/.test(char) ? char : escape.toUpperCase()
  })
}
