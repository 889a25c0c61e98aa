/** A bound on probes running at once, with a bounded queue: the exporter never fetches without limit. */
export class Limiter {
  readonly #concurrency: number
  readonly #maxQueued: number
  #running = 0
  readonly #waiting: (() => void)[] = []

  constructor(concurrency: number, maxQueued: number) {
    this.#concurrency = concurrency
    this.#maxQueued = maxQueued
  }

  get running(): number {
    return this.#running
  }

  get queued(): number {
    return this.#waiting.length
  }

  /**
   * A promise of a slot (resolved with a `release` to call exactly once), or null when the queue is
   * full. An abort while waiting leaves the queue and rejects with the signal's reason.
   */
  acquire(signal: AbortSignal): Promise<() => void> | null {
    if (this.#running < this.#concurrency) {
      this.#running++
      return Promise.resolve(this.#releaser())
    }
    if (this.#waiting.length >= this.#maxQueued) return null
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal.removeEventListener('abort', onAbort)
        this.#running++
        resolve(this.#releaser())
      }
      const onAbort = () => {
        const at = this.#waiting.indexOf(wake)
        if (at >= 0) this.#waiting.splice(at, 1)
        reject(signal.reason as Error)
      }
      signal.addEventListener('abort', onAbort, { once: true })
      this.#waiting.push(wake)
    })
  }

  #releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      this.#running--
      this.#waiting.shift()?.()
    }
  }
}
