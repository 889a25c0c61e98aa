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

// Feeding one character at a time costs parse5 a copy of its (up to 64 KiB) input buffer per write, so
// the whole corpus that way takes minutes: every tenth page is fed that way, and TW_FULL=1 feeds all.
const everyPageOneByOne = process.env.TW_FULL === '1'

t.test('real pages: live elements equal the spec DOM at every chunking', async (t) => {
  t.equal(pages.length, 258, 'the whole corpus is there')
  for (const [index, page] of pages.entries()) {
    const html = readFileSync(join(corpus, page), 'utf8')
    const expected = specElements(html)
    const oneByOne = everyPageOneByOne || index % 10 === 0
    for (const [name, chunks] of chunkings(html, 1)) {
      if (name === 'one unit at a time' && !oneByOne) continue
      const got = scannedElements(chunks)
      if (got.removed.length > 0 || got.inDocument.join('\n') !== expected.join('\n')) {
        t.same(got, { inDocument: expected, removed: [] }, `${page} (${name})`)
        break
      }
    }
    t.pass(page)
  }
})
