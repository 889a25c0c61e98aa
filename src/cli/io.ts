import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { IoError } from '../errors.js'

/** `-` is standard input. */
export const STDIN = '-'

/** A readable for a file argument; a missing or unreadable file is an IoError naming it. */
export async function openInput(file: string): Promise<Readable> {
  if (file === STDIN) return process.stdin
  try {
    const info = await stat(file)
    if (info.isDirectory()) throw new IoError(`${file}: is a directory`)
  } catch (error) {
    if (error instanceof IoError) throw error
    throw new IoError(
      `${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
      {
        cause: error,
      },
    )
  }
  return createReadStream(file)
}

/** Write to stdout. Commands set `process.exitCode` rather than calling `process.exit()`, so output is never cut. */
export function out(text: string): void {
  process.stdout.write(text)
}
