/**
 * One contender of the inspector throughput section, alone in a process of its own (throughput.ts
 * bundles this file and starts one per contender): its JIT feedback and its heap are its own. In one
 * shared process, parse5 — used by three contenders — saw all their handlers and ran slower for
 * each, and a forced full collection before each pass (to keep one contender's garbage off the
 * next one's clock) shrank V8's young generation and cost the allocation-heavy ones a third
 * (measured: tagwarden 23.5 → 15 MB/s). A server process has neither.
 *
 * stdin: one line of JSON (ChildSetup), then a line `run` per pass wanted. stdout: `{"name": …}` once
 * set up, then `{"seconds": …, "cpuSeconds": …}` after each pass over the corpus.
 */
import { createInterface } from 'node:readline'
import { parsePolicy, type LearnedPolicy } from '../src/index.js'
import { loadBaseline, type Baseline } from './baseline.js'
import { contenders, tagwarden, type Contender } from './contenders.js'
import { loadCorpus } from './corpus.js'

export interface ChildSetup {
  key: string
  /** Every n-th page of the corpus (--quick). */
  every: number
  /** The policy tagwarden contenders inspect with, as `tagwarden learn` writes it. */
  learned: LearnedPolicy | null
  baseline: Baseline | null
}

export interface PassTime {
  seconds: number
  /** User + system CPU time of the process (GC helper threads included). */
  cpuSeconds: number
}

async function build({ key, learned, baseline }: ChildSetup): Promise<Contender> {
  const [name, commit] = key.split('@')
  if (commit !== undefined) {
    if (baseline === null || learned === null) throw new Error(`${key}: no baseline or policy`)
    const lib = await loadBaseline(baseline)
    const action = name === 'tagwarden-block' ? 'block' : 'report'
    const create = lib.createInspector
    return tagwarden(lib.parsePolicy(learned, '<learned>'), action, { commit, create })
  }
  const found = contenders(learned && parsePolicy(learned, '<learned>')).find((c) => c.key === key)
  if (found === undefined) throw new Error(`no contender ${key}`)
  return found
}

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const setup = JSON.parse((await lines.next()).value as string) as ChildSetup
const contender = await build(setup)
const pages = loadCorpus(setup.every)
const reply = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`)
reply({ name: contender.name })
for (let line = await lines.next(); !line.done; line = await lines.next()) {
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (const page of pages) await contender.read(page)
  const seconds = (performance.now() - start) / 1000
  const { user, system } = process.cpuUsage(cpu)
  reply({ seconds, cpuSeconds: (user + system) / 1e6 } satisfies PassTime)
}
