import { PIECES } from '../helpers/hard-markup.js'

type Random = () => number

const INJECTED = [
  '<iframe src="http://evil.example/f"></iframe>',
  '<script src="http://evil.example/s.js"></script>',
  '<img src="http://evil.example/i.png" onerror="alert(1)">',
  '<form action="http://evil.example/post">',
  '<script>steal()</script>',
]

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!
const at = (random: Random, s: string) => Math.floor(random() * (s.length + 1))

/** An attacker's element, at a random point of `html`. */
export function inject(random: Random, html: string): string {
  const i = at(random, html)
  return html.slice(0, i) + pick(random, INJECTED) + html.slice(i)
}

/**
 * One to four mutations of `input`: a piece of the hard-markup grammar inserted, a range deleted or
 * doubled, a slice of another document spliced in; then an injected element.
 */
export function mutate(random: Random, input: string, donors: readonly string[]): string {
  let html = input
  const steps = 1 + Math.floor(random() * 4)
  for (let s = 0; s < steps; s++) {
    const i = at(random, html)
    const j = Math.min(html.length, i + Math.floor(random() * 16))
    switch (Math.floor(random() * 4)) {
      case 0:
        html = html.slice(0, i) + pick(random, PIECES) + html.slice(i)
        break
      case 1:
        html = html.slice(0, i) + html.slice(j)
        break
      case 2:
        html = html.slice(0, j) + html.slice(i, j) + html.slice(j)
        break
      default: {
        const donor = pick(random, donors)
        const k = at(random, donor)
        html = html.slice(0, i) + donor.slice(k, k + 1 + Math.floor(random() * 40)) + html.slice(i)
      }
    }
  }
  return inject(random, html)
}

/**
 * A smallest document (by deleting ranges, then single code units) for which `differs` still holds:
 * delta debugging, one browser round per candidate batch.
 */
export async function minimise(
  html: string,
  differs: (candidates: string[]) => Promise<boolean[]>,
): Promise<string> {
  let current = html
  for (let size = Math.max(1, current.length >> 1); size >= 1; size = size === 1 ? 0 : size >> 1) {
    for (let progress = true; progress;) {
      progress = false
      const candidates: string[] = []
      for (let i = 0; i < current.length; i += size)
        candidates.push(current.slice(0, i) + current.slice(i + size))
      const results = await differs(candidates)
      const first = results.indexOf(true)
      if (first !== -1) {
        current = candidates[first]!
        progress = current.length > 0
      }
    }
  }
  return current
}
