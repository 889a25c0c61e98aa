import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export interface Spread {
  median: number
  min: number
  max: number
}

export function spread(samples: readonly number[]): Spread {
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! }
}

// A full collection before each timed pass, so one contender's garbage is not collected on the next
// one's clock. `--expose-gc` cannot be passed through `tsx` in an npm script, so it is switched on here.
setFlagsFromString('--expose-gc')
export const collectGarbage = runInNewContext('gc') as () => void
