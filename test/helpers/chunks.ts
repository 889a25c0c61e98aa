/**
 * Seeded chunking for stream tests: every fixture is fed whole, one unit at a time, and in random
 * chunk sizes from a seeded generator. `TW_SEED=<n>` replays one seed (as parse5's and lol-html's
 * harnesses do).
 */

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The seeds to run: the one in TW_SEED, or `count` fixed ones. */
export function seeds(count: number): number[] {
  const replay = process.env.TW_SEED
  if (replay !== undefined && replay !== '') return [Number(replay)]
  return Array.from({ length: count }, (_, i) => 0x7a9 + i * 7919)
}

/**
 * Split `input` into chunks chosen by `random`: half of them tiny (1..8 units, so boundaries fall
 * inside every kind of token), the rest 1..maxSize units.
 */
export function randomChunks<T extends string | Uint8Array>(
  input: T,
  random: () => number,
  maxSize = 64,
): T[] {
  const chunks: T[] = []
  for (let i = 0; i < input.length;) {
    const size = 1 + Math.floor(random() * (random() < 0.5 ? 8 : maxSize))
    chunks.push(input.slice(i, i + size) as T)
    i += size
  }
  return chunks
}

/** Split `input` into chunks of exactly `size` units (the last may be shorter). */
export function fixedChunks<T extends string | Uint8Array>(input: T, size: number): T[] {
  const chunks: T[] = []
  for (let i = 0; i < input.length; i += size) chunks.push(input.slice(i, i + size) as T)
  return chunks
}

/** Whole, unit by unit, and seeded random chunkings of `input`, each with a name for messages. */
export function chunkings<T extends string | Uint8Array>(
  input: T,
  seedCount = 2,
  maxSize = 64,
): [string, T[]][] {
  const out: [string, T[]][] = [
    ['whole', [input]],
    ['one unit at a time', fixedChunks(input, 1)],
  ]
  for (const seed of seeds(seedCount)) {
    out.push([`random chunks, TW_SEED=${seed}`, randomChunks(input, prng(seed), maxSize)])
  }
  return out
}
