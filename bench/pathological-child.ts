/**
 * One pathological shape (test/helpers/pathological.ts) through the inspector, alone in its own
 * process so its CPU time and peak RSS are its own. pathological.ts bundles this file and runs it as
 *
 *   node pathological-child.mjs SHAPE BYTES
 *
 * The document is fed to the public Node stream in `block` (16 KiB chunks, as a socket delivers
 * them); one JSON line (a PathologicalSample) is printed on stdout.
 */
import { readFileSync } from 'node:fs'
import { parsePolicy, type VerdictStatus } from '../src/index.js'
import { NORMAL, PATHOLOGICAL_POLICY, SHAPES } from '../test/helpers/pathological.js'
import { CHUNK_SIZE } from './corpus.js'
import { feedInspector } from './feed.js'

export interface PathologicalSample {
  shape: string
  bytes: number
  /** User + system CPU time of feeding the document, in seconds (GC threads included). */
  cpuSeconds: number
  /** Peak RSS over the process's life (Linux VmHWM; else `resourceUsage().maxRSS`). */
  peakRss: number
  /** RSS after the document was made, before it was fed. */
  baselineRss: number
  status: VerdictStatus
  limit: string | null
}

function vmHwm(): number {
  try {
    const kib = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'))
    if (kib) return Number(kib[1]) * 1024
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024
}

const [name, bytesArg] = process.argv.slice(2)
const shape = [NORMAL, ...SHAPES].find((s) => s.name === name)
if (shape === undefined || !(Number(bytesArg) > 0)) {
  process.stderr.write('usage: pathological-child.mjs SHAPE BYTES\n')
  process.exit(2)
}
const buffer = Buffer.from(shape.make(Number(bytesArg)), 'latin1')
const chunks: Buffer[] = []
for (let at = 0; at < buffer.length; at += CHUNK_SIZE) chunks.push(buffer.subarray(at, at + CHUNK_SIZE))
const policy = parsePolicy(PATHOLOGICAL_POLICY, '<pathological>')
const baselineRss = process.memoryUsage.rss()

const before = process.cpuUsage()
const { verdict } = await feedInspector(chunks, {
  policy,
  url: 'http://localhost/',
  headers: { 'content-type': 'text/html; charset=utf-8' },
  ...(shape.limits === undefined ? {} : { limits: shape.limits(buffer.length) }),
})
const cpu = process.cpuUsage(before)

const sample: PathologicalSample = {
  shape: shape.name,
  bytes: buffer.length,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  peakRss: vmHwm(),
  baselineRss,
  status: verdict.status,
  limit: verdict.limit ?? null,
}
process.stdout.write(`${JSON.stringify(sample)}\n`)
