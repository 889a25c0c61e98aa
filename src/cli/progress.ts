import { showStatus } from './io.js'

/** More files than this, or a run longer than LONG_RUN_MS, is worth a progress line. */
const MANY_FILES = 20
const LONG_RUN_MS = 1000
/** Redraw at most this often: a terminal need not repaint per file. */
const REDRAW_MS = 100

/**
 * A line on stderr saying how far a long scan is, redrawn in place. Only on a terminal: in a pipe,
 * a log or CI it would be noise (and carriage returns) in what someone reads later.
 */
export class Progress {
  readonly #total: number
  readonly #shown = process.stderr.isTTY === true
  readonly #started = Date.now()
  #drawnAt = 0

  constructor(total: number) {
    this.#total = total
  }

  update(done: number, violations: number): void {
    if (!this.#shown) return
    const now = Date.now()
    const long = this.#total > MANY_FILES || now - this.#started > LONG_RUN_MS
    if (!long || now - this.#drawnAt < REDRAW_MS) return
    this.#drawnAt = now
    showStatus(`scanning: ${done}/${this.#total} files, ${count(violations, 'violation')}`)
  }
}

/** `1 file`, `2 files`. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`
}
