import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import t from 'tap'
import { chunkings } from './helpers/chunks.js'
import { scannedElements, specElements } from './helpers/differential.js'

// The 258 real pages of the npm package htmlparser-benchmark (the corpus DESIGN.md's figures use).
const corpus = join(
  dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')),
  'files',
)
const pages = readdirSync(corpus)
  .filter((f) => f.endsWith('.html'))
  .sort()

t.test('real pages: live elements equal the spec DOM at every chunking', async (t) => {
  t.equal(pages.length, 258, 'the whole corpus is there')
  for (const page of pages) {
    const html = readFileSync(join(corpus, page), 'utf8')
    const expected = specElements(html)
    for (const [name, chunks] of chunkings(html, 1)) {
      const got = scannedElements(chunks)
      if (got.removed.length > 0 || got.inDocument.join('\n') !== expected.join('\n')) {
        t.same(got, { inDocument: expected, removed: [] }, `${page} (${name})`)
        break
      }
    }
    t.pass(page)
  }
})
