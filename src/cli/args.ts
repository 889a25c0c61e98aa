import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UsageError } from '../errors.js'

/**
 * `parseArgs` (strict) for `tagwarden <command>`, with every parse error a UsageError (exit 2) and
 * an unknown option answered with the known one it most likely meant.
 */
export function parseFlags<T extends ParseArgsConfig>(
  command: string,
  config: T,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config)
  } catch (error) {
    const code = (error as { code?: string }).code ?? ''
    if (!code.startsWith('ERR_PARSE_ARGS')) throw error
    const unknown = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? unknownOption(config) : undefined
    throw new UsageError(
      unknown === undefined ? (error as Error).message : unknownMessage(command, unknown, config),
    )
  }
}

/** The first unknown option as typed (`--polcy`), found by parsing again leniently: Node's message is no API. */
function unknownOption(config: ParseArgsConfig): string | undefined {
  const known = Object.keys(config.options ?? {})
  const { tokens } = parseArgs({ ...config, strict: false, tokens: true })
  for (const token of tokens) if (token.kind === 'option' && !known.includes(token.name)) return token.rawName
  return undefined
}

function unknownMessage(command: string, option: string, config: ParseArgsConfig): string {
  const guess = closest(option.replace(/^--?/, ''), Object.keys(config.options ?? {}))
  return guess === undefined
    ? `unknown option ${option} (see "tagwarden ${command} --help")`
    : `unknown option ${option} (did you mean --${guess}?)`
}

/**
 * The candidate `word` most likely misspells: the nearest within a few edits (about one per three
 * characters), else the only one it begins (`--content` for `--content-type`); undefined when none is close.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase()
  const within = Math.max(1, Math.floor(typed.length / 3))
  let best: string | undefined
  let bestDistance = within + 1
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate)
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance]
  }
  const extended = candidates.filter((candidate) => typed.length >= 3 && candidate.startsWith(typed))
  return best ?? (extended.length === 1 ? extended[0] : undefined)
}

/** Insertions, deletions, substitutions and swaps of neighbours that turn a into b (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  // d[i][j]: the distance between a's first i and b's first j characters.
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  )
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)
      let distance = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, substitution)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, d[i - 2]![j - 2]! + 1)
      d[i]![j] = distance
    }
  }
  return d[a.length]![b.length]!
}

/** A flag's URL, checked here so that a bad one is named as the flag (the library would say `options.url`). */
export function absoluteUrl(flag: string, value: string): string {
  if (!URL.canParse(value))
    throw new UsageError(
      `${flag}: expected an absolute URL (e.g. https://shop.example/), got ${JSON.stringify(value)}`,
    )
  return value
}

/** A flag's whole number of at least 1. */
export function positiveInteger(flag: string, value: string): number {
  if (!/^[1-9]\d*$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`${flag}: expected a whole number of at least 1, got ${JSON.stringify(value)}`)
  return Number(value)
}
