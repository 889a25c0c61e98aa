/**
 * `npm run fuzz -- --minutes N [--seed S]`: the oracle comparison of test/oracle-differential.test.ts,
 * run for N minutes on fresh documents — generated from the hard-markup grammar and mutated html5lib
 * inputs, each with an injected element. Every disagreement with Chromium (or a scanner that misses
 * a reference of its own DOM) is minimised and printed once per minimised form. A run is replayed
 * by its seed: round r draws its documents from the seed and r alone.
 */
import { parseArgs } from 'node:util'
import { prng } from '../helpers/chunks.js'
import { hardDocument } from '../helpers/hard-markup.js'
import { treeConstructionInputs } from '../helpers/html5lib.js'
import { Chromium } from './chromium.js'
import { asServed, browserView, difference, scannerGaps, tagwardenView } from './compare.js'
import { ORACLE_PIECES, classOf, navigatesItself } from './expected.js'
import { inject, minimise, mutate } from './mutate.js'

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string' },
    round: { type: 'string', default: '64' },
  },
})
const minutes = Number(values.minutes)
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed)
const perRound = Number(values.round)
if (!(minutes > 0) || !Number.isInteger(seed) || !(perRound > 0)) {
  console.error('usage: npm run fuzz -- --minutes N [--seed S] [--round DOCUMENTS]')
  process.exit(2)
}

const inputs = treeConstructionInputs().map((c) => c.data)
const browser = await Chromium.launch({ tabs: 4, batch: 32 })
console.log(`fuzz: seed ${seed}, ${minutes} min, against ${browser.version}`)

/** Whether tagwarden and the browser disagree on `html` (DOM references, or the scanner's report). */
async function disagreements(documents: string[]): Promise<boolean[]> {
  const parsed = await Promise.all(documents.map((html) => browser.parse(html)))
  return documents.map((raw, i) => {
    const ours = tagwardenView(asServed(raw))
    const gaps = scannerGaps(ours)
    return (
      (!navigatesItself(raw) && difference(ours, browserView(parsed[i]!)) !== null) ||
      gaps.missed.length > 0 ||
      gaps.unfounded.length > 0
    )
  })
}

const started = Date.now()
const classes = new Map<string, number>()
let documents = 0
let differing = 0
let lastNewClass = started
for (let round = 0; Date.now() - started < minutes * 60_000; round++) {
  const random = prng(seed * 1_000_003 + round)
  const batch = Array.from({ length: perRound }, (_, i) =>
    i % 2 === 0
      ? inject(random, hardDocument(random, ORACLE_PIECES))
      : mutate(random, inputs[Math.floor(random() * inputs.length)]!, inputs),
  )
  let results: boolean[]
  try {
    results = await disagreements(batch)
  } catch (error) {
    // The browser did not parse a document in time (a loaded host): said, and the round skipped.
    console.error(`fuzz: round ${round} skipped: ${(error as Error).message}`)
    continue
  }
  documents += batch.length
  for (const [i, differs] of results.entries()) {
    if (!differs || classOf(batch[i]!) !== null) continue
    // Confirmed on two more parses: a 0-second meta refresh can race the browser's parser.
    if ((await disagreements([batch[i]!, batch[i]!])).includes(false)) continue
    differing++
    const minimal = await minimise(batch[i]!, disagreements)
    const seen = classes.get(minimal) ?? 0
    classes.set(minimal, seen + 1)
    if (seen > 0) continue
    lastNewClass = Date.now()
    const ours = tagwardenView(asServed(minimal))
    console.log(
      JSON.stringify({
        seed,
        round,
        index: i,
        minimal,
        ...difference(ours, browserView(await browser.parse(minimal))),
        scanner: scannerGaps(ours),
      }),
    )
  }
}
const elapsed = (Date.now() - started) / 1000
console.log(
  `fuzz: ${documents} documents in ${elapsed.toFixed(0)} s (${(documents / elapsed).toFixed(1)}/s), ` +
    `${differing} disagree, ${classes.size} distinct minimised; ` +
    `${((Date.now() - lastNewClass) / 1000).toFixed(0)} s since the last new one (seed ${seed})`,
)
await browser.close()
process.exit(classes.size > 0 ? 1 : 0)
