const ASCII_WHITESPACE = /[\t\n\f\r ]/

/**
 * The URLs of a `srcset` attribute: HTML §4.8.4.3.10 "parse a srcset attribute", steps 1–13, keeping
 * only each candidate's URL (descriptors decide which candidate a browser picks, so every candidate's
 * URL is one the page may fetch).
 */
export function srcsetUrls(input: string): string[] {
  const urls: string[] = []
  let position = 0
  for (;;) {
    // Step 4: skip ASCII whitespace and U+002C (,).
    while (position < input.length && (ASCII_WHITESPACE.test(input[position]!) || input[position] === ',')) {
      position++
    }
    if (position >= input.length) return urls
    // Step 6: collect a run of non-whitespace as the URL.
    const start = position
    while (position < input.length && !ASCII_WHITESPACE.test(input[position]!)) position++
    let url = input.slice(start, position)
    if (url.endsWith(',')) {
      // Step 8.1: trailing commas end the candidate; no descriptors follow.
      url = url.replace(/,+$/, '')
    } else {
      // Step 8.2 (descriptor tokenizer): skip to the comma that ends this candidate; commas inside
      // parentheses do not count.
      let inParens = false
      while (position < input.length) {
        const c = input[position]!
        if (inParens) {
          if (c === ')') inParens = false
        } else if (c === '(') {
          inParens = true
        } else if (c === ',') {
          break
        }
        position++
      }
    }
    if (url !== '') urls.push(url)
  }
}
