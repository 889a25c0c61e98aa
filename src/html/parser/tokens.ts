/**
 * The contract between tagwarden's tokenizer (HTML §13.2.5) and its tree builder (HTML §13.2.6).
 *
 * The tokenizer calls a TokenSink synchronously for each token it emits; the tree builder is that
 * sink. The tree builder talks back through the two controls the Standard gives it: switching the
 * tokenizer's state after certain start tags (§13.2.6.2, "generic raw text/RCDATA element parsing
 * algorithm", script, plaintext) and whether `<![CDATA[` opens a CDATA section (§13.2.5.42: only
 * when the adjusted current node is not an element in the HTML namespace).
 */

/** An attribute as the DOM has it. `prefix`/`namespace` are set only for adjusted foreign attributes. */
export interface Attribute {
  name: string
  value: string
  prefix?: string
  namespace?: string
}

/**
 * A start or end tag. The tokenizer reuses one object per kind: a sink that keeps anything past the
 * call keeps `name` and `attrs` (a fresh array per tag that has attributes; duplicates already
 * dropped, first wins — §13.2.5.33), never the token object itself.
 */
export interface TagToken {
  /** Lower-cased ASCII; U+0000 replaced by U+FFFD. */
  name: string
  attrs: Attribute[]
  selfClosing: boolean
}

export interface DoctypeToken {
  name: string | null
  publicId: string | null
  systemId: string | null
  forceQuirks: boolean
}

/** The tokenizer states a tree builder may switch to between tokens. */
export const TextState = {
  Data: 0,
  RCDATA: 1,
  RAWTEXT: 2,
  ScriptData: 3,
  PLAINTEXT: 4,
} as const
export type TextState = (typeof TextState)[keyof typeof TextState]

export interface TokenSink {
  startTag(token: TagToken): void
  endTag(token: TagToken): void
  /**
   * A run of character tokens, never empty. Newlines are already normalised (CR LF and lone CR are
   * LF, §13.2.3.5). In the data state and CDATA sections U+0000 is passed through as it came (the tree
   * builder decides: ignored in body, U+FFFD in foreign content); in RCDATA, RAWTEXT, script data and
   * PLAINTEXT it is already U+FFFD. A run may be split anywhere (chunk boundaries), including between
   * whitespace and non-whitespace.
   */
  characters(text: string): void
  comment(text: string): void
  doctype(token: DoctypeToken): void
  endOfFile(): void
}

/** What the tree builder may do to the tokenizer. */
export interface TokenizerControl {
  /** Switch state for the text after the start tag just emitted (called from `startTag`). */
  switchTo(state: TextState): void
  /** §13.2.5.42: true when the adjusted current node is an element not in the HTML namespace. */
  allowCdata: boolean
}
