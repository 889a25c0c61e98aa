import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { inspectHtml, parsePolicy, type Finding } from '../src/index.js'
import { chunkings, prng, randomChunks, seeds } from './helpers/chunks.js'
import { corpusPages } from './helpers/corpus.js'

// Real pages, as bytes, through the whole inspector (content decoding, charset decoding, tree
// builder): what it finds must not depend on where the byte stream is cut. Every 25th page.
const pages = corpusPages().filter((_, i) => i % 25 === 0)
const policy = parsePolicy({ action: 'report', directives: { 'default-src': ["'none'"] } })
const url = 'https://example.com/'

async function findings(chunks: Uint8Array[], headers: Record<string, string>): Promise<string[]> {
  const found: string[] = []
  const record = (f: Finding) =>
    found.push(JSON.stringify([f.ref, f.element, f.attribute, f.value, f.line, f.column]))
  const verdict = await inspectHtml(chunks, { policy, url, headers, onFinding: record })
  if (verdict.status !== 'violation' && verdict.status !== 'clean')
    throw new Error(`verdict ${verdict.status}`)
  return found
}

t.test('findings are the same at every byte chunking', async (t) => {
  t.ok(pages.length >= 10)
  for (const page of pages) {
    const bytes = readFileSync(page)
    const headers = { 'content-type': 'text/html; charset=utf-8' }
    const expected = await findings([bytes], headers)
    t.ok(expected.length > 0, `${basename(page)}: has references`)
    for (const [name, chunks] of chunkings(new Uint8Array(bytes), 1)) {
      if (name === 'whole') continue
      t.same(await findings(chunks, headers), expected, `${basename(page)}: ${name}`)
    }
    const gzipped = new Uint8Array(gzipSync(bytes))
    for (const seed of seeds(1)) {
      const chunks = randomChunks(gzipped, prng(seed), 512)
      t.same(
        await findings(chunks, { ...headers, 'content-encoding': 'gzip' }),
        expected,
        `${basename(page)}: gzip, TW_SEED=${seed}`,
      )
    }
  }
})
