/**
 * Policies from objects, CSP strings and JSON/YAML files (DESIGN.md "Policy").
 *
 *   { action?: 'block' | 'report', directives: { name: string[] | string }, routes?: [{ path, directives }],
 *     pins?: { url: 'sha384-…' } }
 *
 * Shape errors come from the JSON Schema (schema/policy.schema.json); everything else is checked by
 * hand so each message names the file, the field and what was expected, on one line.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { IoError } from '../errors.js'
import { compileDirectives } from './compile.js'
import { isConsultedDirective } from './directives.js'
import { CspSyntaxError, parseSerializedCsp } from './csp-string.js'
import { fieldPath, policyError, type Origin } from './messages.js'
import { compilePins } from './pins.js'
import { checkGlob } from './routes.js'
import type { Action, Pin, Policy, Route, SourceList } from './types.js'
import { validateShape } from './validate-shape.js'

interface PolicyObject {
  action?: Action
  directives: Record<string, string | string[]>
  routes?: { path: string; directives: Record<string, string | string[]> }[]
  pins?: Record<string, string>
}

/**
 * A policy from a policy object or a CSP string (`"default-src 'self'; img-src https:"`, parsed per
 * CSP3 §2.2.1; its action is `block`). `origin` names the source in messages (default `<object>` or
 * `<csp>`); when given it is also the error's `file`.
 */
export function parsePolicy(input: unknown, origin?: string): Policy {
  if (typeof input === 'string') return fromCspString(input, named(origin, '<csp>'))
  const where = named(origin, '<object>')
  validateShape(input, where)
  return fromObject(input as PolicyObject, where)
}

/** Reads a policy file: `.json` as JSON, `.yaml`/`.yml` as YAML, anything else as JSON, then YAML. */
export async function loadPolicy(file: string): Promise<Policy> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new IoError(`${file}: cannot read the policy: ${(cause as Error).message}`, { cause })
  }
  return policyFromText(text, file)
}

/**
 * A policy file's text as a policy: JSON or YAML by the extension (else JSON, then YAML). A document
 * that is one string is a CSP string, and its errors say so.
 */
export function policyFromText(text: string, file: string): Policy {
  // Editors on Windows may save a UTF-8 byte order mark, which JSON.parse rejects.
  const document = parseDocument(text.replace(/^\uFEFF/, ''), file)
  if (typeof document === 'string') {
    return fromCspString(document, { name: `${file} (read as a CSP string)`, file })
  }
  return parsePolicy(document, file)
}

function parseDocument(text: string, file: string): unknown {
  const origin = named(file, file)
  const ext = extname(file).toLowerCase()
  if (ext === '.json') return parseJson(text, origin)
  if (ext === '.yaml' || ext === '.yml') return parseYamlText(text, origin)
  try {
    return JSON.parse(text) as unknown
  } catch {
    return parseYamlText(text, origin)
  }
}

function parseJson(text: string, origin: Origin): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (cause) {
    // V8 quotes the offending source in the message, newlines and all: keep the message one line.
    throw policyError(origin, '', `expected JSON: ${(cause as Error).message.replace(/\s+/g, ' ')}`)
  }
}

function parseYamlText(text: string, origin: Origin): unknown {
  try {
    // Core schema: YAML 1.2 as JSON sees it; duplicate keys are errors, aliases are bounded.
    return parseYaml(text, { schema: 'core', uniqueKeys: true, maxAliasCount: 100 }) as unknown
  } catch (cause) {
    const message = (cause as Error).message.split('\n')[0]!.replace(/:$/, '')
    throw policyError(origin, '', `expected YAML: ${message}`)
  }
}

function fromObject(object: PolicyObject, origin: Origin): Policy {
  const base = compileDirectives(Object.entries(object.directives), 'directives', origin)
  const unchecked = [...base.unchecked]
  const warnings = [...base.warnings]
  const routes: Route[] = (object.routes ?? []).map((route, index) => {
    const at = fieldPath('routes', index)
    const problem = checkGlob(route.path)
    if (problem) throw policyError(origin, fieldPath(at, 'path'), problem, { got: route.path })
    const own = compileDirectives(Object.entries(route.directives), fieldPath(at, 'directives'), origin)
    unchecked.push(...own.unchecked)
    warnings.push(...own.warnings)
    // A route's directive replaces the policy's directive of the same name; the rest are kept.
    const merged = new Map<string, SourceList>([...base.directives, ...own.directives])
    return Object.freeze({ path: route.path, directiveSet: Object.freeze({ directives: merged }) })
  })
  const pins = object.pins === undefined ? undefined : compilePins(object.pins, origin)
  return assemble(object.action ?? 'block', base.directives, routes, origin, unchecked, warnings, pins)
}

function fromCspString(serialized: string, origin: Origin): Policy {
  const parsed = parseSerializedCsp(serialized)
  if (parsed instanceof CspSyntaxError) throw policyError(origin, '', parsed.expected, { got: parsed.got })
  const entries = parsed.directives.map((d) => [d.name, d.value] as const)
  const compiled = compileDirectives(entries, 'directives', origin)
  const warnings = [
    ...compiled.warnings,
    ...parsed.duplicates.map(
      (name) =>
        `${origin.name}: directives.${name}: a second "${name}" is ignored (CSP3 §2.2.1: the first wins)`,
    ),
  ]
  return assemble('block', compiled.directives, [], origin, compiled.unchecked, warnings)
}

function assemble(
  action: Action,
  directives: Map<string, SourceList>,
  routes: Route[],
  origin: Origin,
  unchecked: string[],
  warnings: string[],
  pins?: ReadonlyMap<string, Pin>,
): Policy {
  const checks = (names: Iterable<string>) => [...names].some(isConsultedDirective)
  if (!checks(directives.keys()) && !routes.some((r) => checks(r.directiveSet.directives.keys()))) {
    // `--csp ""` or `directives: {}` would let every injected element through, silently.
    warnings.push(
      `${origin.name}: the policy checks nothing — it has none of the directives tagwarden checks (default-src, script-src, frame-src, …): every element passes`,
    )
  }
  return Object.freeze({
    ...(pins === undefined || pins.size === 0 ? {} : { pins }),
    action,
    directiveSet: Object.freeze({ directives }),
    routes: Object.freeze(routes),
    origin: origin.name,
    unchecked: Object.freeze([...new Set(unchecked)]),
    warnings: Object.freeze(warnings),
  })
}

function named(origin: string | undefined, fallback: string): Origin {
  return origin === undefined ? { name: fallback, file: undefined } : { name: origin, file: origin }
}
