/**
 * "Parse a serialized CSP", CSP3 §2.2.1 (#parse-serialized-policy), with one difference: where a
 * browser silently skips what it cannot use, tagwarden reports it, because a policy that quietly
 * allows more than its author wrote is the failure this tool exists to prevent.
 */

/** One directive of a serialized policy: lower-cased name, value split on ASCII whitespace. */
export interface SerializedDirective {
  readonly name: string
  readonly value: readonly string[]
}

export interface SerializedPolicy {
  readonly directives: readonly SerializedDirective[]
  /** Directives ignored because an earlier one had the same name (step 2.5: the first wins). */
  readonly duplicates: readonly string[]
}

/** What was wrong, as the tail of a one-line message, and the text it was about. */
export class CspSyntaxError {
  constructor(
    readonly expected: string,
    readonly got: string,
  ) {}
}

const ASCII_WHITESPACE = /[\t\n\f\r ]+/

/** Splits on ASCII whitespace, dropping empty tokens (Infra "split a string on ASCII whitespace"). */
export function splitOnAsciiWhitespace(text: string): string[] {
  return text.split(ASCII_WHITESPACE).filter((token) => token !== '')
}

export function parseSerializedCsp(serialized: string): SerializedPolicy | CspSyntaxError {
  // A comma separates the policies of a serialized CSP list (§2.2.2); each would be enforced on
  // its own, which one tagwarden policy cannot express.
  if (serialized.includes(',')) {
    return new CspSyntaxError('expected one policy ("," separates the policies of a CSP list)', serialized)
  }
  const directives: SerializedDirective[] = []
  const duplicates: string[] = []
  const seen = new Set<string>()
  // Step 2: strictly split on ";", strip leading and trailing ASCII whitespace, skip empty tokens.
  for (const raw of serialized.split(';')) {
    const token = raw.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, '')
    if (token === '') continue
    // Step 2.2 skips non-ASCII tokens; skipping would drop a restriction, so it is an error here.
    if (/[^\p{ASCII}]/u.test(token)) {
      return new CspSyntaxError('expected an ASCII directive (use Punycode for host names)', token)
    }
    const [first = '', ...value] = splitOnAsciiWhitespace(token)
    // Steps 2.3-2.4: the name is the leading run of non-whitespace, ASCII-lower-cased.
    const name = first.toLowerCase()
    if (seen.has(name)) {
      duplicates.push(name) // step 2.5
      continue
    }
    seen.add(name)
    directives.push({ name, value })
  }
  return { directives, duplicates }
}
