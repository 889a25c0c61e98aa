/**
 * Summarise a `node --cpu-prof` profile: the functions with the most self time, the functions with the
 * most total (inclusive) time, and self time per package or source file. See bench/README.md.
 *
 *   tsx bench/cpuprofile-top.ts FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}
interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, topArg] = process.argv.slice(2)
if (file === undefined) {
  process.stderr.write('usage: tsx bench/cpuprofile-top.ts FILE.cpuprofile [TOP]\n')
  process.exit(2)
}
const top = Number(topArg ?? 30)
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile

/** Where code lives: a package name, a file of ours, or a V8/Node bucket. */
function area(url: string): string {
  if (url === '') return '(v8/native)'
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (pkg) return pkg[1]!
  if (url.startsWith('node:')) return 'node:internal'
  return url.replace(/^.*\/(src|bench|\.prof)\//, '$1/')
}

const byId = new Map(profile.nodes.map((n) => [n.id, n]))
const parent = new Map<number, number>()
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const label = (n: ProfileNode) => {
  const { functionName, url, lineNumber } = n.callFrame
  return `${functionName || '(anonymous)'} ${area(url)}:${lineNumber + 1}`
}

const self = new Map<string, number>()
const total = new Map<string, number>()
const areas = new Map<string, number>()
let all = 0
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v)
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0
  const leaf = byId.get(id)!
  if (leaf.callFrame.functionName === '(idle)') return
  all += dt
  add(self, label(leaf), dt)
  add(areas, area(leaf.callFrame.url), dt)
  // Inclusive: each function once per sample, however often it recurs on the stack.
  const seen = new Set<string>()
  for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) seen.add(label(byId.get(n)!))
  for (const k of seen) add(total, k, dt)
})

function print(title: string, m: Map<string, number>, count: number): void {
  process.stdout.write(`\n${title}\n`)
  const rows = [...m].sort((a, b) => b[1] - a[1]).slice(0, count)
  for (const [k, v] of rows) {
    process.stdout.write(
      `${((100 * v) / all).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(0).padStart(6)} ms  ${k}\n`,
    )
  }
}

process.stdout.write(`${file}: ${(all / 1000).toFixed(0)} ms sampled (idle excluded)\n`)
print('self time by area', areas, 20)
print('self time by function', self, top)
print('total time by function', total, top)
