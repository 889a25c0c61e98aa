/**
 * Checks a configuration document against `schema/config.schema.json` (the file editors use for
 * completion) and turns the first schema error into a one-line ConfigError: file, field, expectation.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js'
import schema from '../../schema/config.schema.json' with { type: 'json' }
import { ConfigError } from '../errors.js'

let validator: ValidateFunction | undefined

/** What each field holds, keyed by its path with list indexes generalised and `sites[].` dropped. */
const EXPECTED: Readonly<Record<string, string>> = {
  '': 'expected a configuration object with "sites"',
  sites: 'expected a list of sites, each { name, hosts, target, policy }',
  'sites[]': 'expected a site: an object with "name", "hosts", "target" (and "policy")',
  name: 'expected a name of letters, digits, "_", "." or "-" (at most 64)',
  hosts: 'expected a list of host names',
  'hosts[]': 'expected a host name (shop.example), *.shop.example or *, without a port',
  target: 'expected an http:// or https:// origin, e.g. http://127.0.0.1:3000',
  policy: 'expected a policy file path, { file: PATH }, { csp: STRING } or an inline policy object',
  action: 'expected "block" or "report"',
  onLimit: 'expected "block" or "pass"',
  limits:
    'expected an object of limits (maxHeldBytes, maxDecodedBytes, maxInflationRatio, maxTokenBytes, maxNestingDepth)',
  'limits.*': 'expected a positive number',
  timeouts: 'expected an object of timeouts in milliseconds',
  'timeouts.*': 'expected a whole number of milliseconds from 1 to 86400000',
  listen: 'expected [HOST:]PORT, e.g. 127.0.0.1:8080',
  metricsListen: 'expected [HOST:]PORT, e.g. 127.0.0.1:9464',
  workers: 'expected a whole number from 1 to 64',
  logLevel: 'expected one of fatal, error, warn, info, debug, trace, silent',
  trustProxy: 'expected true or false',
  blockPage: 'expected the path of an HTML file',
  csp: 'expected an object: { header: report-only | enforce | off, reportPath, reportTo }',
  'csp.header': 'expected "report-only", "enforce" or "off"',
  'csp.reportPath': 'expected a path beginning with "/", without query or fragment',
  'csp.reportTo': 'expected true or false',
  learn: 'expected a file path, or { file, maxHashes, maxPathsPerOrigin }',
  'learn.file': 'expected a file path',
  'learn.maxHashes': 'expected a positive whole number',
  'learn.maxPathsPerOrigin': 'expected a positive whole number',
  learnInterval: 'expected a whole number of milliseconds from 1 to 86400000',
  $schema: 'expected a string',
}

/** Throws a ConfigError unless `value` has the shape of a configuration. */
export function validateConfigShape(value: unknown, file: string): void {
  validator ??= new Ajv2020({ allErrors: true, verbose: true, allowUnionTypes: true }).compile(schema)
  if (validator(value)) return
  const errors = validator.errors ?? []
  // An unknown field first (a typo also makes the real field "missing"), then wrong values, then missing ones.
  const error =
    errors.find((e) => e.keyword === 'additionalProperties') ??
    errors.find((e) => e.keyword !== 'required') ??
    errors[0]!
  throw translate(error, file)
}

function translate(error: ErrorObject, file: string): ConfigError {
  const keys = error.instancePath
    .split('/')
    .slice(1)
    .map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'))
  const field = keys.reduce(
    (path, key) => (/^\d+$/.test(key) ? `${path}[${key}]` : path ? `${path}.${key}` : key),
    '',
  )
  const at = (name: string): string => (field ? `${field}.${name}` : name)
  if (error.keyword === 'required') {
    const missing = String(error.params.missingProperty)
    return failure(file, at(missing), `missing; ${expectation([...keys, missing])}`)
  }
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty)
    const allowed = Object.keys(error.parentSchema?.properties ?? {}).filter((k) => k !== '$schema')
    return failure(file, at(extra), `unknown field; expected one of ${allowed.join(', ')}`)
  }
  return failure(file, field, `${expectation(keys)}, got ${show(error.data)}`)
}

function expectation(keys: readonly string[]): string {
  let shape = keys.map((k) => (/^\d+$/.test(k) ? '[]' : `.${k}`)).join('')
  shape = shape.replace(/^\./, '').replace(/^sites\[\]\./, '')
  shape = shape.replace(/^(limits|timeouts)\.[^.[]+$/, '$1.*')
  return EXPECTED[shape] ?? 'expected a value of the documented shape (see schema/config.schema.json)'
}

function failure(file: string, field: string, text: string): ConfigError {
  return new ConfigError(field ? `${file}: ${field}: ${text}` : `${file}: ${text}`, {
    file,
    field: field || undefined,
  })
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`
  if (typeof value === 'object') return 'an object'
  return String(value)
}
