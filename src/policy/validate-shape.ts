/**
 * Checks a policy object against `schema/policy.schema.json` (the same file editors use for
 * completion) and turns the first schema error into a one-line PolicyError naming the field and
 * what was expected. Semantics — source-expression grammar, nonces, globs — are checked later by hand.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import schema from '../../schema/policy.schema.json' with { type: 'json' }
import type { PolicyError } from '../errors.js'
import { fieldPath, policyError, unknownDirective, type Origin } from './messages.js'

let validator: ValidateFunction | undefined

function compiled(): ValidateFunction {
  // Compiled on first use: most processes load one policy, and the cost (a few ms) is paid once.
  validator ??= new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(schema)
  return validator
}

/** Throws a PolicyError unless `value` has the shape of a policy object. */
export function validateShape(value: unknown, origin: Origin): void {
  const validate = compiled()
  if (validate(value)) return
  // One error per message: an unknown field first (a typo also makes the real field "missing"),
  // then wrong values, then missing fields.
  const errors = validate.errors ?? []
  const error =
    errors.find((e) => e.keyword === 'additionalProperties') ??
    errors.find((e) => e.keyword !== 'required') ??
    errors[0]
  throw error ? translate(error, origin) : policyError(origin, '', EXPECTED['']!, { got: value })
}

/** What each field holds, keyed by its path with list indexes and directive names generalised. */
const EXPECTED: Readonly<Record<string, string>> = {
  '': 'expected a policy object with "directives" (and optionally "action" and "routes")',
  action: 'expected "block" or "report"',
  directives: 'expected an object mapping CSP directive names to source expressions',
  'directives.*': 'expected a list of source expressions, or one string of them separated by spaces',
  'directives.*[]': 'expected a source expression (a string)',
  routes: 'expected a list of routes, each { path, directives }',
  'routes[]': 'expected a route: an object with "path" and "directives"',
  'routes[].path': 'expected a path glob starting with "/" (e.g. "/embed/*")',
  pins: 'expected an object mapping absolute http(s) URLs to SRI hashes ("sha384-…")',
  'pins.*': 'expected SRI hashes: sha256-, sha384- or sha512- followed by the base64 digest',
  $schema: 'expected a string',
}

function translate(error: ErrorObject, origin: Origin): PolicyError {
  const keys = error.instancePath
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((k) => (/^\d+$/.test(k) ? Number(k) : k))
  const field = keys.reduce<string>((path, key) => fieldPath(path, key), '')

  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty)
    const child = [...keys, missing]
    return policyError(origin, fieldPath(field, missing), `missing; ${expectation(child)}`)
  }
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty)
    const childField = fieldPath(field, extra)
    if (keys[keys.length - 1] === 'directives') return unknownDirective(origin, childField, extra)
    const allowed = Object.keys(error.parentSchema?.properties ?? {}).filter((k) => k !== '$schema')
    return policyError(origin, childField, `unknown field; expected one of ${allowed.join(', ')}`)
  }
  return policyError(origin, field, expectation(keys), { got: error.data })
}

function expectation(keys: readonly (string | number)[]): string {
  // routes[0].directives.script-src[2] -> directives.*[] (a route's directives read like the policy's)
  let shape = ''
  let prev: string | number | undefined
  for (const key of keys) {
    if (typeof key === 'number') shape += '[]'
    else if (prev === 'directives' || prev === 'pins') shape += '.*'
    else shape = key === 'directives' ? 'directives' : fieldPath(shape, key)
    prev = key
  }
  return EXPECTED[shape] ?? 'expected a value of the documented shape (see schema/policy.schema.json)'
}
