/** One-line policy error messages: `<file>: <field>: expected <what>, got <value>`. */
import { PolicyError, UnsupportedPolicyError } from '../errors.js'
import { suggestDirective } from './directives.js'

/** Where a policy came from: its name in messages, and the file (when there is one) for `error.file`. */
export interface Origin {
  readonly name: string
  readonly file: string | undefined
}

/**
 * `details.got` is the offending value (shown even when undefined, as "nothing", if the key is
 * present); `details.hint` is appended as is.
 */
export function policyError(
  origin: Origin,
  field: string,
  expected: string,
  details: { got?: unknown; hint?: string } = {},
): PolicyError {
  let text = expected
  if ('got' in details) text += `, got ${show(details.got)}`
  if (details.hint) text += ` ${details.hint}`
  return new PolicyError(line(origin, field, text), { file: origin.file, field: field || undefined })
}

export function unsupported(origin: Origin, field: string, why: string): UnsupportedPolicyError {
  return new UnsupportedPolicyError(line(origin, field, `unsupported: ${why}`), {
    file: origin.file,
    field,
  })
}

/** `directives` + `script-src` -> `directives.script-src`; `routes` + 0 -> `routes[0]`. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`
  return parent === '' ? key : `${parent}.${key}`
}

function line(origin: Origin, field: string, text: string): string {
  return field === '' ? `${origin.name}: ${text}` : `${origin.name}: ${field}: ${text}`
}

/** A short, single-line rendering of an offending value. */
export function show(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > 80 ? `${value.slice(0, 77)}...` : value
    return JSON.stringify(text)
  }
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (value === undefined) return 'nothing'
  return String(value)
}

/** The error for a directive name tagwarden does not know (a typo, usually). */
export function unknownDirective(origin: Origin, field: string, name: string): PolicyError {
  const hint = suggestDirective(name)
  return policyError(origin, field, 'expected a known CSP directive name', {
    got: name,
    hint: hint === undefined ? undefined : `(did you mean "${hint}"?)`,
  })
}
