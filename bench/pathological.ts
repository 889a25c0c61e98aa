/**
 * The pathological section (issue 11): each shape of test/helpers/pathological.ts at two sizes, in a
 * child process of its own (bench/pathological-child.ts), so its CPU time and peak RSS are its own.
 * A shape's CPU time per MB is compared with a normal page's of the same size.
 */
import { NORMAL, SHAPES } from '../test/helpers/pathological.js'
import { bundle } from './bundle.js'
import { runJsonChild } from './processes.js'
import type { PathologicalSample } from './pathological-child.js'

export const PATHOLOGICAL_SHAPES = [NORMAL, ...SHAPES]

function runChild(script: string, shape: string, bytes: number): Promise<PathologicalSample> {
  return runJsonChild<PathologicalSample>(
    script,
    [shape, String(bytes)],
    `pathological ${shape} ${bytes} bytes`,
  )
}

/** Every shape at every size, one child process at a time (CPU time is the figure). */
export async function measurePathological(
  sizes: readonly number[],
  only: readonly string[] | undefined,
  onDone?: (sample: PathologicalSample) => void,
): Promise<PathologicalSample[]> {
  const script = bundle('bench/pathological-child.ts')
  const samples: PathologicalSample[] = []
  for (const shape of PATHOLOGICAL_SHAPES.filter((s) => only === undefined || only.includes(s.name))) {
    for (const bytes of sizes) {
      const sample = await runChild(script, shape.name, bytes)
      samples.push(sample)
      onDone?.(sample)
    }
  }
  return samples
}
