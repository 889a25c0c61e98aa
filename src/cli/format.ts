import type { Violation } from '../inspect/verdict.js'

/** What a text line shows of a violation; the probe's carry their own directive (`pin`). */
export type Listed = Omit<Violation, 'directive'> & { directive: string }

/**
 * `where:line:column: directive: <element attribute="value"> (detail)`, always one line, so that
 * `wc -l` counts violations: the value is a JSON string, and any other line break or control
 * character (a file name may hold one too) is escaped JSON-style. `detail` defaults to the resolved
 * URL when it differs from the value.
 */
export function violationText(where: string, v: Listed, detail?: string): string {
  const what =
    v.attribute === null
      ? `<${v.element}> inline`
      : `<${v.element} ${v.attribute}=${JSON.stringify(v.value)}>`
  const note = detail ?? (v.url !== null && v.url !== v.value ? v.url : undefined)
  return escapeControls(
    `${where}:${v.line}:${v.column}: ${v.directive}: ${what}${note === undefined ? '' : ` (${note})`}`,
  )
}

/** C0 and C1 controls, DEL, and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g
const SHORT_ESCAPES: Record<string, string> = {
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

/** Escapes what would break the line or the terminal, as JSON would (`\n`, `\u001b`). */
export function escapeControls(text: string): string {
  return text.replace(
    CONTROLS,
    (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}
