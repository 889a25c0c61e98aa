const ASCII_WHITESPACE = /[\t\n\f\r ]/

/**
 * The URL a `<meta http-equiv=refresh content=…>` navigates to, or null when it only reloads the page
 * or the content does not parse: HTML §4.2.5.3 "shared declarative refresh steps", steps 1–11.
 */
export function refreshTarget(content: string): string | null {
  let position = 0
  const skipWhitespace = () => {
    while (position < content.length && ASCII_WHITESPACE.test(content[position]!)) position++
  }
  skipWhitespace()
  // Steps 4–6: the time: digits, then any digits and dots.
  const timeStart = position
  while (position < content.length && /[0-9]/.test(content[position]!)) position++
  const sawDigits = position > timeStart
  if (!sawDigits && content[position] !== '.') return null
  while (position < content.length && /[0-9.]/.test(content[position]!)) position++
  if (position >= content.length) return null
  // Step 10: the URL part is introduced by whitespace, ';' or ','.
  const separator = content[position]!
  if (separator !== ';' && separator !== ',' && !ASCII_WHITESPACE.test(separator)) return null
  skipWhitespace()
  if (content[position] === ';' || content[position] === ',') position++
  skipWhitespace()
  if (position >= content.length) return null
  // Step 11.3–11.5: an optional "URL" "=" prefix, case-insensitive, with whitespace around '='.
  let urlStart = position
  if (content.slice(position, position + 3).toLowerCase() === 'url') {
    let p = position + 3
    while (p < content.length && ASCII_WHITESPACE.test(content[p]!)) p++
    if (content[p] === '=') {
      p++
      while (p < content.length && ASCII_WHITESPACE.test(content[p]!)) p++
      urlStart = p
    }
  }
  // Step 11.6–11.8: a quoted URL ends at the matching quote or the end of input.
  const quote = content[urlStart]
  if (quote === '"' || quote === "'") {
    const end = content.indexOf(quote, urlStart + 1)
    const url = content.slice(urlStart + 1, end === -1 ? content.length : end)
    return url === '' ? null : url
  }
  const url = content.slice(urlStart).replace(/[\t\n\f\r ]+$/, '')
  return url === '' ? null : url
}
