import { finished, type Readable, type Writable } from 'node:stream'

type Stage = Readable | Writable

/**
 * `stream.pipeline()` for a response's path, without its AbortController: pipeline aborts one each
 * time it finishes, and the abort builds a DOMException with a stack trace — about 5% of the cost of
 * a response passed through uninspected (profiled). The same contract: the streams are piped in
 * order; the first error or premature close destroys them all and is reported once; otherwise
 * `done()` is called once the last has finished.
 */
export function pipeStreams(stages: readonly Stage[], done: (error?: unknown) => void): void {
  let settled = false
  const settle = (error?: unknown): void => {
    if (settled) return
    settled = true
    if (error !== undefined) for (const stage of stages) stage.destroy()
    done(error)
  }
  const last = stages.length - 1
  stages.forEach((stage, i) =>
    finished(stage, (error) => {
      if (error) settle(error)
      else if (i === last) settle()
    }),
  )
  for (let i = 0; i < last; i++) (stages[i] as Readable).pipe(stages[i + 1] as Writable)
}
