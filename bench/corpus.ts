import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { inspectHtml, learnPolicy, parsePolicy, type LearnedPolicy, type Reference } from '../src/index.js'

/** The real pages DESIGN.md's reference figures use: the npm package htmlparser-benchmark. */
const CORPUS = join(
  dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')),
  'files',
)

export const CHUNK_SIZE = 16 * 1024

export interface Page {
  readonly name: string
  readonly bytes: Buffer
  /** `bytes` cut into CHUNK_SIZE pieces (views, no copies), as a socket would deliver them. */
  readonly chunks: readonly Buffer[]
}

export function chunk(bytes: Buffer, size = CHUNK_SIZE): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.subarray(at, at + size))
  return out
}

/** The corpus, sorted by name; `every` > 1 keeps every n-th page (for --quick). */
export function loadCorpus(every = 1): Page[] {
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .filter((_, i) => i % every === 0)
    .map((name) => {
      const bytes = readFileSync(join(CORPUS, name))
      return { name, bytes, chunks: chunk(bytes) }
    })
}

/** What every page is inspected as: the peers decode UTF-8 too, so the decoding work is alike. */
export const DOCUMENT = {
  url: 'http://localhost/',
  headers: { 'content-type': 'text/html; charset=utf-8' },
} as const

/** Allows nothing, judges nothing: learning only collects what the pages reference (as `tagwarden learn`). */
const NOTHING = parsePolicy({ action: 'report', directives: { 'default-src': ["'none'"] } }, '<learn>')

/** What `tagwarden learn` prints for these documents: every page's findings learned together. */
export async function learnObject(documents: Iterable<Iterable<Uint8Array>>): Promise<LearnedPolicy> {
  const refs: Reference[] = []
  for (const chunks of documents) {
    await inspectHtml(chunks, { ...DOCUMENT, policy: NOTHING, onFinding: (f) => refs.push(f.ref) })
  }
  return learnPolicy(refs)
}
