/**
 * Learning a site's policy from its live traffic (issue 14): every inspected response's findings are
 * merged into a policy of the form `tagwarden learn` writes, saved atomically (write, then rename)
 * every `learnInterval` and on shutdown, and read back on start so that learning resumes. Bounded
 * (src/policy/learner.ts): what a bound refused or widened is logged, and written beside the policy
 * in `<file>.notes.json` (a policy file holds no comments).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import type { Logger } from 'pino'
import type { Finding } from '../html/scanner.js'
import type { TagwardenMetrics } from '../metrics/metrics.js'
import type { LearnedPolicy } from '../policy/learn.js'
import { PolicyLearner, type LearnerBounds } from '../policy/learner.js'
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

export class LiveLearner {
  readonly file: string
  readonly #site: string
  readonly #learner: PolicyLearner
  readonly #log: Logger
  readonly #metrics: TagwardenMetrics
  #dirty = false

  /** Reads `file` when it exists (learning resumes); a file that is not a learned policy is a ConfigError. */
  constructor(site: string, options: LiveLearnOptions, log: Logger, metrics: TagwardenMetrics) {
    this.file = options.file
    this.#site = site
    this.#log = log
    this.#metrics = metrics
    this.#learner = new PolicyLearner({
      maxHashes: options.maxHashes ?? DEFAULT_LEARN_BOUNDS.maxHashes,
      maxPathsPerOrigin: options.maxPathsPerOrigin ?? DEFAULT_LEARN_BOUNDS.maxPathsPerOrigin,
    })
    const saved = readSaved(options.file)
    if (saved !== undefined) this.#learner.seed(saved)
    this.#learner.onWidening = (widening) => {
      this.#dirty = true
      this.#log.warn({ site, widening, file: this.file }, 'learning widened the policy')
    }
    this.#updateGauges()
  }

  /** One reference found on the page at `path`. */
  add(finding: Finding, path: string): void {
    if (!this.#learner.add(finding.ref, path)) return
    this.#dirty = true
    const directive = finding.ref.directive
    this.#metrics.learnedSources.set(
      { site: this.#site, directive },
      this.#learner.expressions(directive).length,
    )
  }

  /** Write the policy and its notes if anything changed since the last save. */
  save(): void {
    if (!this.#dirty) return
    this.#dirty = false
    writeAtomically(this.file, `${JSON.stringify(this.#learner.policy(), null, 2)}\n`)
    const notes = { capped: this.#learner.capped(), widenings: [...this.#learner.widenings].sort() }
    writeAtomically(`${this.file}.notes.json`, `${JSON.stringify(notes, null, 2)}\n`)
  }

  #updateGauges(): void {
    const policy = this.#learner.policy()
    for (const [directive, expressions] of Object.entries(policy.directives)) {
      if (directive === 'default-src') continue
      const count = expressions.length === 1 && expressions[0] === "'none'" ? 0 : expressions.length
      this.#metrics.learnedSources.set({ site: this.#site, directive }, count)
    }
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
