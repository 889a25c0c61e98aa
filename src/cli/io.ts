import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { IoError } from '../errors.js'

/** `-` is standard input. */
export const STDIN = '-'

/** The one prefix of every line tagwarden writes on stderr. */
const PREFIX = 'tagwarden: '

/** A readable for a file argument; a missing, unreadable or directory argument is an IoError naming it. */
export async function openInput(file: string): Promise<Readable> {
  if (file === STDIN) return process.stdin
  try {
    // Opening (rather than only stat-ing) surfaces EACCES here, as a one-line error, not mid-stream.
    const handle = await open(file)
    if ((await handle.stat()).isDirectory()) {
      await handle.close()
      throw new IoError(`${file}: is a directory`)
    }
    return handle.createReadStream()
  } catch (error) {
    if (error instanceof IoError) throw error
    throw new IoError(`${file}: ${describeFsError(error)}`, { cause: error })
  }
}

/** `no such file` for ENOENT (the common case, said plainly); otherwise the system's message. */
export function describeFsError(error: unknown): string {
  return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
}

type StdoutState = 'open' | 'closed' | 'failed'
let stdoutState: StdoutState = 'open'

/**
 * Standard output's fate. A reader that stops early (`| head -1`) makes writes fail with EPIPE: that
 * is `closed`, and quiet, since the reader has what it wanted. Any other write error is `failed`,
 * said on stderr. Either way nothing more is written. Call once, before writing.
 */
export function watchStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // After the first error, later writes fail too (ERR_STREAM_DESTROYED): the first one is the cause.
    if (stdoutState !== 'open') return
    stdoutState = error.code === 'EPIPE' ? 'closed' : 'failed'
    if (stdoutState === 'closed') return
    say(`standard output: ${error.message}`)
    // The output is incomplete: an I/O error, whatever the command had decided (main.ts says it too).
    process.exitCode = 2
  })
}

export function stdoutStatus(): StdoutState {
  return stdoutState
}

/** Write to stdout, unless it was closed. Commands set `process.exitCode`, never `process.exit()`, so output is never cut. */
export function out(text: string): void {
  if (stdoutState !== 'open') return
  clearStatus()
  process.stdout.write(text)
}

/** One line on stderr: an error, a warning or a summary, always after the one prefix. */
export function say(message: string): void {
  clearStatus()
  process.stderr.write(`${PREFIX}${message}\n`)
}

let statusShown = false

/** A transient line on a terminal's stderr (progress): redrawn in place, erased by the next line written. */
export function showStatus(message: string): void {
  process.stderr.write(`\r\x1b[K${PREFIX}${message}`)
  statusShown = true
}

function clearStatus(): void {
  if (!statusShown) return
  process.stderr.write('\r\x1b[K')
  statusShown = false
}
