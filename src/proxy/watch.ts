/**
 * `--watch`: a change to the configuration or a policy file reloads as SIGHUP does. Each file's folder
 * is watched, not the file: editors and deploy tools replace a file (write a new one, rename it over
 * the old), which a watch on the file itself would not survive. Changes within 300 ms make one reload.
 */
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'

const SETTLE_MS = 300

/** Calls `onChange` after any of `files` changed; returns the function that stops watching. */
export function watchFiles(files: readonly string[], onChange: () => void): () => void {
  const byFolder = new Map<string, Set<string>>()
  for (const file of files.map((f) => resolve(f))) {
    const names = byFolder.get(dirname(file)) ?? new Set<string>()
    names.add(basename(file))
    byFolder.set(dirname(file), names)
  }
  let timer: NodeJS.Timeout | undefined
  const changed = (): void => {
    clearTimeout(timer)
    timer = setTimeout(onChange, SETTLE_MS)
  }
  const watchers: FSWatcher[] = [...byFolder].map(([folder, names]) =>
    watch(folder, (_event, name) => {
      if (name !== null && names.has(name)) changed()
    }).unref(),
  )
  return () => {
    clearTimeout(timer)
    for (const watcher of watchers) watcher.close()
  }
}
