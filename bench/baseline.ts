import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync } from 'node:fs'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { createInspector, parsePolicy } from '../src/index.js'
import { bundle, BUNDLES, ROOT } from './bundle.js'

/** The parts of the library a tagwarden contender uses: from this tree or from an earlier commit. */
export interface TagwardenLib {
  createInspector: typeof createInspector
  parsePolicy: typeof parsePolicy
}

export interface Baseline {
  /** The short commit. */
  commit: string
  /** Its library, bundled to one file of plain JavaScript. */
  file: string
}

/**
 * tagwarden as it was at `commit` (`--baseline`), so a change's before and after run side by side in
 * one run: that commit's src/ and schema/ are extracted with `git archive` and bundled (packages
 * external, resolved from this tree's node_modules).
 */
export function bundleBaseline(commit: string): Baseline {
  const git = (args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim()
  const short = git(['rev-parse', '--short', commit])
  const dir = join(BUNDLES, `baseline-${short}`)
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const archive = execFileSync('git', ['archive', '--format=tar', short, 'src', 'schema'], { cwd: ROOT })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  return { commit: short, file: bundle(relative(ROOT, join(dir, 'src', 'index.ts')), join(dir, 'index.mjs')) }
}

export async function loadBaseline(baseline: Baseline): Promise<TagwardenLib> {
  return (await import(pathToFileURL(baseline.file).href)) as TagwardenLib
}
