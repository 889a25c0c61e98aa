import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { arch, availableParallelism, cpus, loadavg, platform, totalmem } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dirname, '..')

/** The packages whose speed is compared: their versions belong with the figures. */
const MEASURED = [
  'parse5',
  'parse5-parser-stream',
  '@exodus/bytes',
  'html-rewriter-wasm',
  'htmlparser2',
  'parse5-sax-parser',
  'htmlparser-benchmark',
]

function git(args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim()
  } catch {
    return 'unknown'
  }
}

export interface Machine {
  date: string
  node: string
  cpu: string
  cores: number
  platform: string
  totalMemory: number
  /** `git describe --always --dirty` of the tree measured. */
  commit: string
  /** 1-minute load average when the run started and ended: other work on the machine skews figures. */
  load: { start: number; end?: number }
  versions: Record<string, string>
}

export function machine(): Machine {
  const versions: Record<string, string> = {}
  for (const name of MEASURED) {
    const file = join(ROOT, 'node_modules', name, 'package.json')
    versions[name] = (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    platform: `${platform()} ${arch()}`,
    totalMemory: totalmem(),
    commit: git(['describe', '--always', '--dirty']),
    load: { start: loadavg()[0]! },
    versions,
  }
}

export function machineLine(m: Machine): string {
  return (
    `Node ${m.node} · ${m.cpu} · ${m.cores} cores · ${m.platform} · ${formatBytes(m.totalMemory)} RAM · ` +
    `${m.date.slice(0, 10)} · tagwarden ${m.commit} · load ${m.load.start.toFixed(1)}` +
    (m.load.end === undefined ? '' : `–${m.load.end.toFixed(1)}`)
  )
}

/** Writes the JSON next to earlier runs: `<date>-<commit>[-quick].json`; returns its path. */
export function writeResults(dir: string, m: Machine, quick: boolean, data: object): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `${m.date.slice(0, 10)}-${m.commit}${quick ? '-quick' : ''}.json`)
  writeFileSync(file, `${JSON.stringify({ ...m, quick, ...data }, null, 2)}\n`)
  return file
}

export function table(
  header: readonly string[],
  align: string,
  rows: readonly (readonly string[])[],
): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`
  const rule = [...align].map((a) => (a === 'r' ? '--:' : '---'))
  return [line(header), line(rule), ...rows.map(line)].join('\n')
}

export function formatMbps(mbps: number): string {
  return mbps >= 100 ? Math.round(mbps).toLocaleString('en-US') : mbps.toFixed(1)
}

export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size) return `${+(bytes / size).toFixed(bytes >= 10 * size ? 0 : 1)} ${unit}`
  }
  return `${bytes} B`
}
