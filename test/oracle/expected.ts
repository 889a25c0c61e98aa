import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PIECES } from '../helpers/hard-markup.js'

/**
 * The classes of documents where tagwarden and Chromium are known to differ, each with the reason and
 * the section of the Standard (expected-differences.json). A differing document belongs to the first
 * class whose `pattern` (a regular expression) it matches.
 */
export interface ExpectedDifference {
  name: string
  reason: string
  section: string
  pattern: string
}

export const EXPECTED_DIFFERENCES: ExpectedDifference[] = JSON.parse(
  readFileSync(join(import.meta.dirname, 'expected-differences.json'), 'utf8'),
) as ExpectedDifference[]

export function classOf(html: string): ExpectedDifference | null {
  return EXPECTED_DIFFERENCES.find((c) => new RegExp(c.pattern, 'i').test(html)) ?? null
}

/**
 * A document with a `<meta http-equiv=refresh>` may navigate itself before its DOM is read (Chromium
 * replaced such a frame's document with an empty one, for a refresh to an unparsable URL such as
 * `//`): what the browser shows is then not what it parsed. Such documents are not compared with the
 * browser (their scanner findings still are with tagwarden's own DOM); the tests count them.
 */
export function navigatesItself(html: string): boolean {
  return /http-equiv\s*=\s*["']?\s*refresh/i.test(html)
}

/** The hard-markup grammar without the pieces that make a document navigate itself. */
export const ORACLE_PIECES = PIECES.filter((piece) => !navigatesItself(piece))
