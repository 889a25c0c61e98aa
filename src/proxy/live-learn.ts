/**
 * Learning a site's policy from its live traffic (issue 14): every inspected response's findings are
 * merged into a policy of the form `tagwarden learn` writes, saved atomically (write, then rename)
 * every `learnInterval` and on shutdown, and read back on start so that learning resumes. Bounded
 * (src/policy/learner.ts): what a bound refused or widened is logged, and written beside the policy
 * in `<file>.notes.json` (a policy file holds no comments).
 *
 * With `--workers`, each worker keeps a learner of its own only to tell what is new, and sends that to
 * the primary (`RemoteLearner`), which alone holds the file (`LiveLearner`) and tells every worker the
 * counts its gauge shows.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Finding } from '../html/scanner.js'
import type { LearnedPolicy } from '../policy/learn.js'
import { PolicyLearner, type LearnerBounds } from '../policy/learner.js'
import type { CheckedDirective, Reference } from '../policy/types.js'
import { ConfigError } from '../errors.js'

export interface LiveLearnOptions {
  /** Where the learned policy is kept (JSON). */
  file: string
  /** Distinct inline hashes per directive, at most. Default 100. */
  maxHashes?: number
  /** Distinct paths of one origin per directive before they collapse to a folder. Default 50. */
  maxPathsPerOrigin?: number
}

export const DEFAULT_LEARN_BOUNDS: Readonly<LearnerBounds> = { maxHashes: 100, maxPathsPerOrigin: 50 }

/** What an inspected page's references go to (Exchange). */
export interface Learner {
  add(finding: Finding, path: string): void
}

/** How many sources a directive holds now: for `tagwarden_learned_sources`. */
export type SourceCount = (directive: string, count: number) => void

function boundsOf(options: LiveLearnOptions): LearnerBounds {
  return {
    maxHashes: options.maxHashes ?? DEFAULT_LEARN_BOUNDS.maxHashes,
    maxPathsPerOrigin: options.maxPathsPerOrigin ?? DEFAULT_LEARN_BOUNDS.maxPathsPerOrigin,
  }
}

/** The learner that holds the file: the proxy's own, or with `--workers` the primary's. */
export class LiveLearner implements Learner {
  readonly file: string
  readonly #learner: PolicyLearner
  readonly #count: SourceCount
  #dirty = false

  /** Reads `file` when it exists (learning resumes); a file that is not a learned policy is a ConfigError. */
  constructor(site: string, options: LiveLearnOptions, log: Logger, count: SourceCount) {
    this.file = options.file
    this.#count = count
    this.#learner = new PolicyLearner(boundsOf(options))
    const saved = readSaved(options.file)
    if (saved !== undefined) this.#learner.seed(saved)
    this.#learner.onWidening = (widening) => {
      this.#dirty = true
      log.warn({ site, widening, file: this.file }, 'learning widened the policy')
    }
    for (const directive of Object.keys(this.#learner.policy().directives)) {
      if (directive !== 'default-src') count(directive, this.#learner.expressions(directive).length)
    }
  }

  /** One reference found on the page at `path`. */
  add(finding: Finding, path: string): void {
    this.addReference(finding.ref, path)
  }

  addReference(ref: Reference, path: string): void {
    if (!this.#learner.add(ref, path)) return
    this.#dirty = true
    this.#count(ref.directive, this.#learner.expressions(ref.directive).length)
  }

  /** Write the policy and its notes if anything changed since the last save. */
  save(): void {
    if (!this.#dirty) return
    this.#dirty = false
    writeAtomically(this.file, `${JSON.stringify(this.#learner.policy(), null, 2)}\n`)
    const notes = { capped: this.#learner.capped(), widenings: [...this.#learner.widenings].sort() }
    writeAtomically(`${this.file}.notes.json`, `${JSON.stringify(notes, null, 2)}\n`)
  }
}

/** A reference as it crosses from a worker to the primary (structured clone: no URL objects). */
export type SentReference =
  | { kind: 'url'; directive: CheckedDirective; url: string; integrity?: string }
  | Extract<Reference, { kind: 'inline' }>

export function sendable(ref: Reference): SentReference {
  if (ref.kind === 'inline') return ref
  return { kind: 'url', directive: ref.directive, url: ref.url.href, integrity: ref.integrity }
}

export function received(ref: SentReference): Reference {
  if (ref.kind === 'inline') return ref
  const { integrity, ...rest } = ref
  return { ...rest, url: new URL(ref.url), ...(integrity === undefined ? {} : { integrity }) }
}

/**
 * A worker's learner: what is new to this worker (its own bounded learner decides) goes to the
 * primary; most references on most pages were seen before and never leave the worker.
 */
export class RemoteLearner implements Learner {
  readonly file: string
  readonly #learner: PolicyLearner
  readonly #send: (ref: SentReference, path: string) => void

  constructor(options: LiveLearnOptions, send: (ref: SentReference, path: string) => void) {
    this.file = options.file
    this.#learner = new PolicyLearner(boundsOf(options))
    this.#send = send
  }

  /** The primary writes the file. */
  save(): void {}

  add(finding: Finding, path: string): void {
    if (this.#learner.add(finding.ref, path)) this.#send(sendable(finding.ref), path)
  }
}

function readSaved(file: string): LearnedPolicy | undefined {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError(`${file}: cannot read the learned policy: ${(error as Error).message}`, { file })
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new ConfigError(`${file}: expected the JSON policy learning wrote`, { file })
  }
  const directives = (value as { directives?: unknown })?.directives
  if (
    directives === null ||
    typeof directives !== 'object' ||
    !Object.values(directives).every((v) => Array.isArray(v) && v.every((e) => typeof e === 'string'))
  ) {
    throw new ConfigError(`${file}: directives: expected the JSON policy learning wrote`, {
      file,
      field: 'directives',
    })
  }
  return value as LearnedPolicy
}

/** Write then rename: a reader (or a crash) never sees half a file. */
function writeAtomically(file: string, text: string): void {
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, text)
  renameSync(temporary, file)
}
