/**
 * Character references (HTML §13.2.5.72–80). The named table is the `entities` package's, generated
 * from the Standard's `entities.json`; it is never typed by hand here. Numeric references follow
 * §13.2.5.80 directly.
 */
import { DecodingMode, HtmlEntityDecoder } from 'entities/decode'

/**
 * §13.2.5.80 numeric character reference end state: the replacements for C1 control code points
 * 0x80–0x9F (index = code point − 0x80; 0 = kept as it is).
 */
const C1_REPLACEMENTS = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
]

/** Digits of a numeric reference saturate here: anything above U+10FFFF is replaced all the same. */
export const NUMERIC_LIMIT = 0x110000

/**
 * §13.2.5.80: the character a numeric reference stands for. U+0000, surrogates and values beyond
 * U+10FFFF become U+FFFD; C1 controls that Windows-1252 maps are replaced by its characters;
 * noncharacters and other controls (U+000D included) are parse errors but kept.
 */
export function numericReferenceText(codePoint: number): string {
  if (codePoint === 0 || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return '\uFFFD'
  if (codePoint >= 0x80 && codePoint <= 0x9f) {
    const replacement = C1_REPLACEMENTS[codePoint - 0x80]
    if (replacement !== undefined && replacement !== 0) return String.fromCharCode(replacement)
  }
  return String.fromCodePoint(codePoint)
}

/** The value of an ASCII hex digit, or -1. */
export function hexDigitValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  const lower = c | 0x20
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10
  return -1
}

export function isAsciiAlphanumeric(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a)
}

/** The longest name in the table is 31 characters plus `;`: 32 name characters decide any match. */
export const MAX_NAME_RUN = 32

/**
 * §13.2.5.73 named character reference state, over a name that is wholly in `input`: its alphanumeric
 * run either ends inside `input` or is at least 32 characters long, or the input ends there (EOF).
 * One decoder, one callback, made once per tokenizer.
 */
export class NamedReferenceDecoder {
  /** The replacement text of the last match. */
  text = ''
  private readonly decoder = new HtmlEntityDecoder((codeUnit) => {
    // Called once per UTF-16 code unit of the replacement (surrogate halves included).
    this.text += String.fromCharCode(codeUnit)
  })

  /**
   * Match the name starting at `start` (just after `&`). Returns the number of code units consumed,
   * `&` included, or 0 when nothing matches — the `&` is then an ordinary character. `inAttribute`
   * applies the legacy rule of §13.2.5.73: a reference without `;` followed by `=` or an alphanumeric
   * is left as it is in attribute values.
   */
  match(input: string, start: number, inAttribute: boolean): number {
    this.text = ''
    this.decoder.startEntity(inAttribute ? DecodingMode.Attribute : DecodingMode.Legacy)
    let consumed = this.decoder.write(input, start)
    if (consumed < 0) consumed = this.decoder.end()
    return consumed
  }
}
