import { availableParallelism } from 'node:os'
import type { LearnedPolicy } from '../src/index.js'
import { bundle } from './bundle.js'
import { runJsonChild } from './processes.js'
import { CHUNK_SIZE, learnObject } from './corpus.js'
import { generateHtml } from './html-gen.js'
import type { MemorySample } from './memory-child.js'

export interface MemoryJob {
  action: 'report' | 'block'
  bytes: number
}

/** One child process per job: RSS is per process, so each figure is that job's alone. */
function runChild(
  script: string,
  policy: LearnedPolicy,
  job: MemoryJob,
  signal: AbortSignal,
): Promise<MemorySample> {
  return runJsonChild<MemorySample>(
    script,
    [job.action, String(job.bytes)],
    `memory ${job.action} ${job.bytes} bytes`,
    {
      stdin: JSON.stringify(policy),
      signal,
    },
  )
}

/**
 * Runs the jobs in child processes, `concurrency` at a time (at most one per core). Throughput
 * measured this way is per core while the other cores are busy too.
 */
export async function measureMemory(
  jobs: readonly MemoryJob[],
  concurrency: number,
  onDone?: (sample: MemorySample) => void,
): Promise<MemorySample[]> {
  const script = bundle('bench/memory-child.ts')
  // The generator's vocabulary is small and fixed, so its first megabyte holds every URL and inline
  // text the rest will: a policy learned from it keeps `block` clean.
  const policy = await learnObject([generateHtml(1 << 20, CHUNK_SIZE)])
  const results: MemorySample[] = new Array(jobs.length)
  let next = 0
  // One failure stops the others rather than leaving them running for minutes.
  const abort = new AbortController()
  const worker = async () => {
    for (let i = next++; i < jobs.length && !abort.signal.aborted; i = next++) {
      results[i] = await runChild(script, policy, jobs[i]!, abort.signal)
      onDone?.(results[i]!)
    }
  }
  const workers = Math.max(1, Math.min(concurrency, availableParallelism(), jobs.length))
  try {
    await Promise.all(Array.from({ length: workers }, worker))
  } catch (error) {
    abort.abort()
    throw error
  }
  return results
}
