import type { Attribute } from './tokens.js'

/** HTML §13.2.4.1 insertion modes ("in select" and "in select in table" are gone since the 2025 Standard). */
export const M = {
  INITIAL: 0,
  BEFORE_HTML: 1,
  BEFORE_HEAD: 2,
  IN_HEAD: 3,
  IN_HEAD_NOSCRIPT: 4,
  AFTER_HEAD: 5,
  IN_BODY: 6,
  TEXT: 7,
  IN_TABLE: 8,
  IN_TABLE_TEXT: 9,
  IN_CAPTION: 10,
  IN_COLUMN_GROUP: 11,
  IN_TABLE_BODY: 12,
  IN_ROW: 13,
  IN_CELL: 14,
  IN_TEMPLATE: 15,
  AFTER_BODY: 16,
  IN_FRAMESET: 17,
  AFTER_FRAMESET: 18,
  AFTER_AFTER_BODY: 19,
  AFTER_AFTER_FRAMESET: 20,
} as const
export type Mode = (typeof M)[keyof typeof M]

/** A start or end tag as the rules see it: the tokenizer's, with its tag id (tag-sets.ts) attached. */
export interface Tag {
  name: string
  id: number
  attrs: Attribute[]
  selfClosing: boolean
}

/** The rules of one insertion mode. `characters` handles a prefix of the run and returns the rest. */
export interface ModeRules<B> {
  startTag(tb: B, t: Tag): void
  endTag(tb: B, t: Tag): void
  characters(tb: B, text: string): string
  comment(tb: B, data: string): void
  doctype(tb: B): void
  endOfFile(tb: B): void
}

/** ASCII whitespace as the tree builder means it: TAB, LF, FF, CR, SPACE (§13.2.6.4). */
export function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0c || c === 0x0d
}

/** Length of the run of whitespace at the start of `text`. */
export function wsPrefix(text: string): number {
  let i = 0
  while (i < text.length && isWs(text.charCodeAt(i))) i++
  return i
}

export function hasNonWs(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isWs(text.charCodeAt(i))) return true
  return false
}

/** Only the whitespace characters of `text`, in order. */
export function onlyWs(text: string): string {
  let out = ''
  for (let i = 0; i < text.length; i++) if (isWs(text.charCodeAt(i))) out += text[i]
  return out
}

export function dropNul(text: string): string {
  return text.indexOf('\u0000') === -1 ? text : text.replaceAll('\u0000', '')
}
