import { readFileSync } from 'node:fs'
import { join } from 'node:path'

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
