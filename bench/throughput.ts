import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { bundle, ROOT } from './bundle.js'
import type { ChildSetup, PassTime } from './throughput-child.js'
import { spread, type Spread } from './stats.js'

export interface ThroughputResult {
  key: string
  name: string
  /** MB/s (10^6 bytes per second of wall-clock time) over the whole corpus, one sample per run. */
  mbps: Spread & { samples: number[] }
  /**
   * MB per second of CPU time (user + system, all threads of the process, GC helpers included): what
   * the work costs in CPU. Other processes on the cores disturb it less than wall-clock time, but they
   * still do (caches, memory bandwidth).
   */
  cpuMbps: Spread & { samples: number[] }
  /** Median MB/s over the baseline's median MB/s. */
  ratio: number
}

/** A contender's process: `pass()` has it read the corpus once and says how long that took. */
interface Runner {
  name: string
  pass(): Promise<PassTime>
  child: ChildProcess
}

async function startRunner(script: string, setup: ChildSetup): Promise<Runner> {
  const child = spawn(process.execPath, [script], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const next = async (): Promise<Record<string, unknown>> => {
    const line = await lines.next()
    if (line.done) throw new Error(`${setup.key}: the contender's process ended (exit ${child.exitCode})`)
    return JSON.parse(line.value as string) as Record<string, unknown>
  }
  child.stdin.write(`${JSON.stringify(setup)}\n`)
  const { name } = (await next()) as { name: string }
  return {
    name,
    child,
    pass: async () => {
      child.stdin.write('run\n')
      return (await next()) as unknown as PassTime
    },
  }
}

/**
 * Every contender in a process of its own (throughput-child.ts says why), all started first, then
 * driven round-robin from here, one at a time: each run passes every contender over the whole
 * corpus once, so machine noise (another process, CPU frequency, a neighbour on the host) lands on
 * all of them alike. The order rotates from run to run so no contender always follows the same one.
 * Warm-up runs let the JIT settle and are not counted.
 */
export async function measureThroughput(
  keys: readonly string[],
  setup: Omit<ChildSetup, 'key'>,
  bytes: number,
  runs: number,
  warmups: number,
  onRun?: (run: number) => void,
): Promise<ThroughputResult[]> {
  const script = bundle('bench/throughput-child.ts')
  const runners: Runner[] = []
  try {
    for (const key of keys) runners.push(await startRunner(script, { ...setup, key }))
    const samples = runners.map((): PassTime[] => [])
    for (let run = 0; run < warmups + runs; run++) {
      for (let i = 0; i < runners.length; i++) {
        const at = (i + run) % runners.length
        const time = await runners[at]!.pass()
        if (run >= warmups) samples[at]!.push(time)
      }
      onRun?.(run)
    }
    const mbps = samples.map((s) => s.map((t) => bytes / 1e6 / t.seconds))
    const baseline = spread(mbps[0]!).median
    return runners.map(({ name }, i) => {
      const wall = { ...spread(mbps[i]!), samples: mbps[i]! }
      const cpu = samples[i]!.map((t) => bytes / 1e6 / t.cpuSeconds)
      return {
        key: keys[i]!,
        name,
        mbps: wall,
        cpuMbps: { ...spread(cpu), samples: cpu },
        ratio: wall.median / baseline,
      }
    })
  } finally {
    for (const { child } of runners) child.stdin?.end()
  }
}
