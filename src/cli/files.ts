import type { Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { IoError, UsageError } from '../errors.js'
import { STDIN, describeFsError } from './io.js'

const HTML_FILE = /\.html?$/i

/**
 * The files FILE arguments name: `-` and files as given; a directory (a built static site) stands
 * for every .html/.htm file under it, in sorted order so that runs compare line by line.
 */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const files: string[] = []
  for (const arg of args) {
    if (arg === STDIN || !(await isDirectory(arg))) {
      files.push(arg)
      continue
    }
    const found = await htmlFilesUnder(arg)
    if (found.length === 0) throw new UsageError(`${arg}: no .html or .htm files in this directory`)
    files.push(...found)
  }
  return files
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch (error) {
    throw new IoError(`${path}: ${describeFsError(error)}`, { cause: error })
  }
}

/**
 * Every .html/.htm file under `dir`. Links to directories are not followed (a link to `..` would
 * loop forever); links to files are taken, like the files they point to.
 */
async function htmlFilesUnder(dir: string): Promise<string[]> {
  const found: string[] = []
  const pending = [dir]
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const entry of await entries(current)) {
      const path = join(current, entry.name)
      // A Dirent describes the entry itself: isDirectory() is false for a link to a directory.
      if (entry.isDirectory()) pending.push(path)
      else if (HTML_FILE.test(entry.name) && (entry.isFile() || (await isLinkToFile(entry, path))))
        found.push(path)
    }
  }
  // Plain code-unit order: the same on every machine, whatever its locale.
  return found.sort()
}

async function entries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true })
  } catch (error) {
    throw new IoError(`${dir}: cannot read the directory: ${describeFsError(error)}`, { cause: error })
  }
}

/** A broken link is no page: skipped, like any other entry that is not a file. */
async function isLinkToFile(entry: Dirent, path: string): Promise<boolean> {
  if (!entry.isSymbolicLink()) return false
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  )
}
