import { readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** The 258 real pages of the npm package htmlparser-benchmark (the corpus DESIGN.md's figures use). */
export const CORPUS_DIR = join(
  dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')),
  'files',
)

/** The corpus's page files, sorted, as paths. */
export function corpusPages(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((f) => join(CORPUS_DIR, f))
}
