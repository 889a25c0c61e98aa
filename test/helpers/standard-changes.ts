/**
 * Where the HTML Standard's parser changed after parse5 8.1.1 (the newest parse5, which follows the
 * Standard as it was before 2025). tagwarden follows the Standard as it stands today, as Chromium
 * does; on documents of these classes parse5 is no reference, and the Chromium oracle
 * (test/oracle-differential.test.ts) and the html5lib expected trees (test/tree-construction.test.ts)
 * are. Every other document must parse as parse5 parses it.
 */
export interface StandardChange {
  name: string
  /** The Standard's section and the change that made it. */
  where: string
  /** Whether a document can be affected: the markup the change is about appears in it. */
  affects: (html: string) => boolean
}

export const STANDARD_CHANGES: readonly StandardChange[] = [
  {
    name: 'relaxed <select> and <selectedcontent>',
    where:
      '§13.2.6.4.7 "in body" (select, option, optgroup, hr, input; select bounds "in scope"); the "in select" modes removed; §4.10.10 selectedcontent — whatwg/html #10548, #10557, #10633 (2025)',
    affects: (html) => /<select/i.test(html),
  },
  {
    name: 'declarative shadow roots',
    where: '§13.2.6.4.4 "in head", template start tag with shadowrootmode — whatwg/html #9538 (2023)',
    affects: (html) => /shadowrootmode/i.test(html),
  },
]

/** The first class of change that may affect `html`, or null: parse5 is then the reference. */
export function standardChangeOf(html: string): StandardChange | null {
  return STANDARD_CHANGES.find((c) => c.affects(html)) ?? null
}
