/**
 * One memory measurement, alone in its own process so the RSS is its own. memory.ts bundles this file
 * to plain JavaScript and runs it as
 *
 *   node memory-child.mjs report|block BYTES < policy.json
 *
 * streams BYTES of generated HTML through the inspector (16 KiB chunks, with backpressure, as a socket
 * would deliver them) and prints one JSON line (a MemorySample) on stdout. The policy is learned by
 * the parent, so learning's garbage is not in this process's RSS.
 */
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { text } from 'node:stream/consumers'
import { createInspector, parsePolicy } from '../src/index.js'
import { CHUNK_SIZE, DOCUMENT } from './corpus.js'
import { assertClean } from './feed.js'
import { generateHtml } from './html-gen.js'

export interface MemorySample {
  action: 'report' | 'block'
  bytes: number
  seconds: number
  /** Peak resident set size over the process's life (Linux VmHWM; else the sampled peak). */
  peakRss: number
  /** The largest RSS seen by sampling every 50 ms while streaming. */
  sampledPeakRss: number
  /** RSS after set-up (modules loaded, policy parsed, garbage collected), before streaming. */
  baselineRss: number
  sampledPeakHeapUsed: number
}

/** The kernel's own high-water mark: exact, unlike sampling. Linux only. */
function vmHwm(): number | null {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    return kib ? Number(kib[1]) * 1024 : null
  } catch {
    return null
  }
}

const [action, bytesArg] = process.argv.slice(2)
if ((action !== 'report' && action !== 'block') || !(Number(bytesArg) > 0)) {
  process.stderr.write('usage: memory-child.mjs report|block BYTES < policy.json\n')
  process.exit(2)
}
const total = Number(bytesArg)

const policy = parsePolicy(JSON.parse(await text(process.stdin)), '<learned>')
// The RSS before streaming is measured after a full collection: set-up's garbage is not the stream's.
setFlagsFromString('--expose-gc')
const collectGarbage = runInNewContext('gc') as () => void
collectGarbage()
const baselineRss = process.memoryUsage.rss()

let sampledPeakRss = baselineRss
let sampledPeakHeapUsed = 0
const sample = () => {
  const m = process.memoryUsage()
  sampledPeakRss = Math.max(sampledPeakRss, m.rss)
  sampledPeakHeapUsed = Math.max(sampledPeakHeapUsed, m.heapUsed)
}
const sampler = setInterval(sample, 50)

/** Yields to the event loop every MiB: the stream pipeline runs on microtasks and would starve the sampler. */
async function* source(): AsyncGenerator<Buffer> {
  let sinceYield = 0
  for (const chunk of generateHtml(total, CHUNK_SIZE)) {
    yield chunk
    if ((sinceYield += chunk.length) >= 1 << 20) {
      sinceYield = 0
      await new Promise((resolve) => setImmediate(resolve))
    }
  }
}

let out = 0
const inspector = createInspector({ ...DOCUMENT, policy, action })
const start = performance.now()
await pipeline(
  Readable.from(source()),
  inspector,
  new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out += chunk.length
      callback()
    },
  }),
).catch(() => {}) // a block or a limit rejects the pipeline: the verdict, checked below, says which
const seconds = (performance.now() - start) / 1000
clearInterval(sampler)
sample()
const verdict = await inspector.verdict
assertClean(`memory ${action}`, { verdict, out }, verdict.bytes)

const result: MemorySample = {
  action,
  bytes: verdict.bytes,
  seconds,
  peakRss: vmHwm() ?? sampledPeakRss,
  sampledPeakRss,
  baselineRss,
  sampledPeakHeapUsed,
}
process.stdout.write(`${JSON.stringify(result)}\n`)
