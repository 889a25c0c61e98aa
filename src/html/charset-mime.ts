/**
 * The charset of a Content-Type header value, as Fetch computes it: "extract a MIME type" (Fetch
 * §3.1.7, over the value's comma-separated parts, as "get, decode, and split" yields them when a
 * response has several Content-Type headers combined into one) and "legacy extract an encoding".
 * MIME types are parsed as MIME Sniffing §4.4 "parse a MIME type" says.
 */
import { getEncoding } from './charset-labels.js'

const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g
const HTTP_TAB_OR_SPACE = /^[\t ]+|[\t ]+$/g
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
const QUOTED_STRING_TOKEN = /^[\t\x20-\x7e\x80-\xff]*$/

export interface MimeType {
  essence: string
  charset: string | undefined
}

/**
 * The encoding named by the charset parameter of a Content-Type value, or null: no header, no
 * parsable MIME type, no charset, or a charset label that is not an encoding.
 */
export function charsetFromContentType(value: string | undefined): string | null {
  if (value === undefined) return null
  // "Legacy extract an encoding": failure, a missing charset or an unknown label give the fallback.
  const charset = extractMimeType(value)?.charset
  return charset === undefined ? null : getEncoding(charset)
}

/**
 * Fetch "extract a MIME type" over a Content-Type value (several headers combined with `, `): the
 * last parsable type wins; a charset carries over to a later value of the same essence that has
 * none, and is dropped when the essence changes. Null for failure.
 */
export function extractMimeType(value: string): MimeType | null {
  // A site sends a handful of distinct Content-Type values; parsing one costs more than the rest of
  // setting up an inspector. Bounded: cleared when full.
  const known = mimeTypeByContentType.get(value)
  if (known !== undefined) return known
  if (mimeTypeByContentType.size >= 256) mimeTypeByContentType.clear()
  const mimeType = extract(value)
  mimeTypeByContentType.set(value, mimeType)
  return mimeType
}

const mimeTypeByContentType = new Map<string, MimeType | null>()

function extract(value: string): MimeType | null {
  let charset: string | undefined
  let essence: string | null = null
  let mimeType: MimeType | null = null
  for (const part of splitHeaderValue(value)) {
    const parsed = parseMimeType(part)
    if (parsed === null || parsed.essence === '*/*') continue
    mimeType = parsed
    if (parsed.essence !== essence) {
      charset = parsed.charset
      essence = parsed.essence
    } else if (parsed.charset === undefined && charset !== undefined) {
      mimeType = { ...parsed, charset }
    }
  }
  return mimeType
}

/** Fetch "get, decode, and split": commas split values, except inside quoted strings. */
function splitHeaderValue(input: string): string[] {
  const values: string[] = []
  let pos = 0
  let temporary = ''
  for (;;) {
    while (pos < input.length && input[pos] !== '"' && input[pos] !== ',') temporary += input[pos++]
    if (pos < input.length && input[pos] === '"') {
      const quoted = collectQuotedString(input, pos)
      temporary += input.slice(pos, quoted.end)
      pos = quoted.end
      if (pos < input.length) continue
    }
    values.push(temporary.replace(HTTP_TAB_OR_SPACE, ''))
    temporary = ''
    if (pos >= input.length) return values
    pos++ // past the comma
  }
}

/** Fetch "collect an HTTP quoted string" from the `"` at `start`: its value and where it ends. */
function collectQuotedString(input: string, start: number): { value: string; end: number } {
  let value = ''
  let pos = start + 1
  for (;;) {
    while (pos < input.length && input[pos] !== '"' && input[pos] !== '\\') value += input[pos++]
    if (pos >= input.length) break
    const quoteOrBackslash = input[pos++]
    if (quoteOrBackslash === '\\') {
      if (pos >= input.length) {
        value += '\\'
        break
      }
      value += input[pos++]
    } else break
  }
  return { value, end: pos }
}

/** MIME Sniffing "parse a MIME type", keeping only what the charset needs. */
export function parseMimeType(raw: string): MimeType | null {
  const input = raw.replace(HTTP_WHITESPACE, '')
  const slash = input.indexOf('/')
  if (slash < 0) return null
  const type = input.slice(0, slash)
  let pos = slash + 1
  let end = input.indexOf(';', pos)
  if (end < 0) end = input.length
  const subtype = input.slice(pos, end).replace(/[\t\n\r ]+$/, '')
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return null
  const result: MimeType = { essence: `${asciiLower(type)}/${asciiLower(subtype)}`, charset: undefined }
  pos = end
  const seen = new Set<string>()
  while (pos < input.length) {
    pos++ // past the `;`
    while (pos < input.length && /[\t\n\r ]/.test(input[pos] as string)) pos++
    let nameEnd = pos
    while (nameEnd < input.length && input[nameEnd] !== ';' && input[nameEnd] !== '=') nameEnd++
    const name = asciiLower(input.slice(pos, nameEnd))
    pos = nameEnd
    if (pos < input.length) {
      if (input[pos] === ';') continue
      pos++ // past the `=`
    }
    if (pos >= input.length) break
    let value: string
    if (input[pos] === '"') {
      const quoted = collectQuotedString(input, pos)
      value = quoted.value
      pos = quoted.end
      while (pos < input.length && input[pos] !== ';') pos++
    } else {
      let valueEnd = input.indexOf(';', pos)
      if (valueEnd < 0) valueEnd = input.length
      value = input.slice(pos, valueEnd).replace(/[\t\n\r ]+$/, '')
      pos = valueEnd
      if (value === '') continue
    }
    // The first occurrence of a parameter wins; later ones are ignored.
    if (name !== '' && TOKEN.test(name) && QUOTED_STRING_TOKEN.test(value) && !seen.has(name)) {
      seen.add(name)
      if (name === 'charset') result.charset = value
    }
  }
  return result
}

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0x20))
}
