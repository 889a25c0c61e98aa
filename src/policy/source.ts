/**
 * A policy as every face takes it (the embedding faces' `policy` option, `createProxy`'s sites, the
 * proxy configuration file, the CLI's `--policy`/`--csp`), with one meaning for each form:
 *
 * - a string or a `file:` URL is always the path of a policy file (JSON, YAML, or a CSP string);
 * - `{ file }` is the same, spelled out; `{ csp }` is a CSP string;
 * - `{ directives, action?, routes? }` is a policy object; a `Policy` is taken as it is.
 *
 * A CSP string is never guessed from a string's look: `'./policy.txt'` is a file that may be
 * missing, and `"default-src 'self'"` is a file name that does not exist — the error then says which
 * reading was used and how to write the other.
 */
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError, IoError } from '../errors.js'
import { parsePolicy, policyFromText } from './load.js'
import type { Action, Policy } from './types.js'

/** A policy written as an object, as in a policy file (see schema/policy.schema.json). */
export interface PolicyInput {
  /** `block` or `report`. Default `block`. */
  action?: Action
  /** CSP directive names -> source expressions (a list, or one string of them separated by spaces). */
  directives: Record<string, string | readonly string[]>
  /** Optional; the first route whose path glob matches the request path wins. Default none. */
  routes?: readonly { path: string; directives: Record<string, string | readonly string[]> }[]
}

/**
 * A policy in any of the forms the faces take: a `Policy` (from `loadPolicy`/`parsePolicy`), a policy
 * object, `{ csp: "default-src 'self'" }`, `{ file: './tagwarden.yaml' }`, or a string or `file:`
 * URL — always a policy file's path, never a CSP string.
 */
export type PolicySource = Policy | PolicyInput | { csp: string } | { file: string | URL } | string | URL

/** How a source is read, for messages: `file`, `csp`, `object` or `policy`. */
export type PolicyReading = 'file' | 'csp' | 'object' | 'policy'

/** Files read by the faces, by absolute path: read once per process (a failure is not kept). */
const readFiles = new Map<string, Policy>()
const parsedObjects = new WeakMap<object, Policy>()
const parsedCsp = new Map<string, Policy>()
const MAX_CACHED = 64

function remember<V>(cache: Map<string, V>, key: string, value: V): V {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!)
  cache.set(key, value)
  return value
}

/** Which reading a source gets (throws InvalidOptionError for what is none of the forms). */
export function policyReading(source: unknown, where: string): PolicyReading {
  if (typeof source === 'string' || source instanceof URL) return 'file'
  if (source !== null && typeof source === 'object') {
    if ('directiveSet' in source) return 'policy'
    if ('directives' in source) return 'object'
    const keys = Object.keys(source)
    if (keys.length === 1 && keys[0] === 'csp') return 'csp'
    if (keys.length === 1 && keys[0] === 'file') return 'file'
  }
  throw new InvalidOptionError(
    `${where}: expected a policy file path, { file: PATH }, { csp: STRING }, a policy object { directives, … } or a Policy, got ${describe(source)}`,
  )
}

/**
 * The policy a source names, read now: a file synchronously (faces are created at start-up, and a
 * missing or invalid file must fail there, not on the first request). `where` names the option in
 * messages (`middleware: options.policy`); `base` is the directory relative paths start from
 * (default: the working directory). Throws InvalidOptionError, IoError or PolicyError.
 */
export function readPolicySource(source: PolicySource, where: string, base?: string): Policy {
  const reading = policyReading(source, where)
  if (reading === 'policy') return source as Policy
  if (reading === 'object') {
    let policy = parsedObjects.get(source as object)
    if (policy === undefined) parsedObjects.set(source as object, (policy = parsePolicy(source)))
    return policy
  }
  if (reading === 'csp') {
    const csp = (source as { csp: unknown }).csp
    if (typeof csp !== 'string') {
      throw new InvalidOptionError(`${where}.csp: expected a CSP string, got ${describe(csp)}`)
    }
    return parsedCsp.get(csp) ?? remember(parsedCsp, csp, parsePolicy(csp, `${where}.csp (a CSP string)`))
  }
  const raw =
    typeof source === 'object' && !(source instanceof URL) ? (source as { file: unknown }).file : source
  const path = filePath(raw, where, base)
  const cached = readFiles.get(path)
  if (cached !== undefined) return cached
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (cause) {
    throw new IoError(
      `${where}: cannot read the policy file ${JSON.stringify(String(raw))} (a string is read as a file path): ${reason(cause)}${cspHint(raw)}`,
      { cause },
    )
  }
  return remember(readFiles, path, policyFromText(text, String(raw)))
}

/** An absolute path from a string or `file:` URL. */
function filePath(raw: unknown, where: string, base: string | undefined): string {
  if (raw instanceof URL) {
    if (raw.protocol !== 'file:') {
      throw new InvalidOptionError(`${where}: a URL must be a file: URL, got ${raw.href}`)
    }
    return fileURLToPath(raw)
  }
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new InvalidOptionError(`${where}: expected a policy file path, got ${describe(raw)}`)
  }
  return isAbsolute(raw) ? raw : resolve(base ?? process.cwd(), raw)
}

/** Said when a string that was read as a path looks like a CSP string. */
export function cspHint(raw: unknown, spelled = '{ csp: "…" }'): string {
  if (typeof raw !== 'string' || !/[\s';]/.test(raw.trim())) return ''
  return `; to give a CSP string, write ${spelled}`
}

function reason(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EISDIR') return 'is a directory'
  return (cause as Error).message
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value)
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return `an object with ${Object.keys(value).join(', ') || 'no fields'}`
  return String(value)
}
