import { spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import type { LearnedPolicy } from '../src/index.js'
import { bundle, ROOT } from './bundle.js'
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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, job.action, String(job.bytes)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal,
    })
    child.stdin.end(JSON.stringify(policy))
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as MemorySample)
      else reject(new Error(`memory ${job.action} ${job.bytes} bytes: exit ${code}\n${stderr.trim()}`))
    })
  })
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
