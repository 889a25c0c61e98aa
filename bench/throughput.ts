import type { Contender } from './contenders.js'
import type { Page } from './corpus.js'
import { collectGarbage, spread, type Spread } from './stats.js'

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

/**
 * Round-robin: each run passes every contender over the whole corpus once, so machine noise (another
 * process, CPU frequency, thermal) lands on all of them alike. The order rotates from run to run so no
 * contender always follows the same one. Warm-up runs let the JIT settle and are not counted.
 */
export async function measureThroughput(
  contenders: readonly Contender[],
  pages: readonly Page[],
  runs: number,
  warmups: number,
  onRun?: (run: number) => void,
): Promise<ThroughputResult[]> {
  const bytes = pages.reduce((n, p) => n + p.bytes.length, 0)
  const samples = new Map<string, number[]>(contenders.map((c) => [c.key, []]))
  const cpuSamples = new Map<string, number[]>(contenders.map((c) => [c.key, []]))
  for (let run = 0; run < warmups + runs; run++) {
    for (let i = 0; i < contenders.length; i++) {
      const contender = contenders[(i + run) % contenders.length]!
      collectGarbage()
      const cpu = process.cpuUsage()
      const start = performance.now()
      for (const page of pages) await contender.read(page)
      const seconds = (performance.now() - start) / 1000
      const { user, system } = process.cpuUsage(cpu)
      if (run < warmups) continue
      samples.get(contender.key)!.push(bytes / 1e6 / seconds)
      cpuSamples.get(contender.key)!.push(bytes / ((user + system) / 1e6) / 1e6)
    }
    onRun?.(run)
  }
  const baseline = spread(samples.get(contenders[0]!.key)!).median
  return contenders.map(({ key, name }) => {
    const s = samples.get(key)!
    const mbps = { ...spread(s), samples: s }
    const c = cpuSamples.get(key)!
    return { key, name, mbps, cpuMbps: { ...spread(c), samples: c }, ratio: mbps.median / baseline }
  })
}
