/**
 * Lines and columns of stream offsets, counted lazily: the tokenizer never tracks lines per character.
 * Offsets are into the stream after newline normalisation (§13.2.3.5: CR LF and lone CR are one LF),
 * so every line break is one LF and counts once, and a column — UTF-16 code units since the last line
 * break — is the same in the normalised and the original text.
 *
 * Offsets asked for only grow, and the next LF found is remembered, so counting over a whole document
 * costs one `indexOf` pass over it however often positions are asked for.
 */
export class LineCounter {
  /** Offset up to which line breaks are counted. */
  private cursor = 0
  private line = 1
  /** Offset of the first code unit of the cursor's line. */
  private lineStart = 0
  /** Offset of the first LF at or after the cursor in the current buffer; below the cursor = unknown. */
  private nextBreak = -1
  private buffer = ''
  /** Stream offset of `buffer[0]`. */
  private base = 0

  /** The text the next offsets fall in; `base` is the stream offset of its first code unit. */
  setBuffer(buffer: string, base: number): void {
    this.buffer = buffer
    this.base = base
    this.nextBreak = -1
  }

  /** Count the line breaks before `offset` (at least the cursor, within the current buffer). */
  advanceTo(offset: number): void {
    if (offset <= this.cursor) return
    let next = this.nextBreak
    for (;;) {
      if (next < this.cursor) {
        const found = this.buffer.indexOf('\n', this.cursor - this.base)
        next = found === -1 ? Number.MAX_SAFE_INTEGER : this.base + found
      }
      if (next >= offset) break
      this.line++
      this.lineStart = next + 1
      this.cursor = next + 1
    }
    this.nextBreak = next
    this.cursor = offset
  }

  /** The 1-based line of the cursor. */
  get currentLine(): number {
    return this.line
  }

  /** The 1-based column of the code unit just before the cursor. */
  get currentColumn(): number {
    return this.cursor - this.lineStart
  }
}
