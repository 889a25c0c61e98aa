/**
 * Encoding Standard §4.2 "get an encoding": label → encoding name, in the standard's own spelling
 * (`latin1` → `windows-1252`, `sjis` → `Shift_JIS`, `iso-2022-kr` → `replacement`), or null.
 *
 * Node's own TextDecoder is not used for labels: it trims and lower-cases more loosely than the
 * standard (U+000B and U+00A0 are stripped, U+212A KELVIN SIGN matches "k") and refuses the labels
 * of `replacement`, `x-user-defined` and `iso-8859-16`. @exodus/bytes holds the standard's table.
 */
import { labelToName } from '@exodus/bytes/encoding.js'

export function getEncoding(label: string): string | null {
  return labelToName(label)
}

/** UTF-16BE/LE (Encoding Standard §14.2): the pair the HTML prescan turns into UTF-8. */
export function isUtf16(encoding: string): boolean {
  return encoding === 'UTF-16BE' || encoding === 'UTF-16LE'
}
