import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import t from 'tap'
import { chunkings } from './helpers/chunks.js'
import { corpusPages } from './helpers/corpus.js'
import { scannedElements, specElements } from './helpers/differential.js'

const pages = corpusPages()

t.test('real pages: live elements equal the spec DOM at every chunking', async (t) => {
  t.equal(pages.length, 258, 'the whole corpus is there')
  for (const page of pages) {
    const html = readFileSync(page, 'utf8')
    const expected = specElements(html)
    for (const [name, chunks] of chunkings(html, 1)) {
      const got = scannedElements(chunks)
      if (got.removed.length > 0 || got.inDocument.join('\n') !== expected.join('\n')) {
        t.same(got, { inDocument: expected, removed: [] }, `${basename(page)} (${name})`)
        break
      }
    }
    t.pass(basename(page))
  }
})
