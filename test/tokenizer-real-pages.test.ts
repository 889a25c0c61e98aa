import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import t from 'tap'
import { fixedChunks, prng, randomChunks, seeds } from './helpers/chunks.js'
import { corpusPages } from './helpers/corpus.js'
import { ourTokens, parse5Tokens } from './helpers/token-streams.js'

/**
 * The 258 real pages of htmlparser-benchmark: the tokens parse5 emits, written whole, in 4 KiB
 * pieces and in seeded random chunks; every 16th page also one code unit at a time.
 */
t.setTimeout(600_000)

t.test('real pages: the tokens parse5 emits, at every chunking', async (t) => {
  const pages = corpusPages()
  t.equal(pages.length, 258)
  const [seed] = seeds(1)
  pages.forEach((path, index) => {
    const html = readFileSync(path, 'utf8')
    const expected = JSON.stringify(parse5Tokens(html))
    const cuts: [string, string[]][] = [
      ['whole', [html]],
      ['4 KiB pieces', fixedChunks(html, 4096)],
      [`random chunks, TW_SEED=${seed}`, randomChunks(html, prng(seed! + index), 256)],
    ]
    if (index % 16 === 0) cuts.push(['one unit at a time', fixedChunks(html, 1)])
    for (const [name, chunks] of cuts) {
      const actual = JSON.stringify(ourTokens(chunks))
      if (actual !== expected)
        t.fail(`${basename(path)}, ${name}: differs from parse5 at ${firstDifference(actual, expected)}`)
    }
  })
  t.pass('all pages compared')
})

function firstDifference(a: string, b: string): string {
  let i = 0
  while (i < a.length && a[i] === b[i]) i++
  return `${i}: ours …${a.slice(Math.max(0, i - 80), i + 80)}… parse5 …${b.slice(Math.max(0, i - 80), i + 80)}…`
}
