import { buildSync } from 'esbuild'
import { join } from 'node:path'

export const ROOT = join(import.meta.dirname, '..')
/** Inside node_modules so the bundles' bare imports (parse5, …) resolve to the project's packages. */
export const BUNDLES = join(ROOT, 'node_modules', '.cache', 'tagwarden-bench')

/**
 * `entry` (relative to the repository) as one file of plain JavaScript, for a child process to run
 * without a TypeScript loader: under `--import tsx` the loader's own thread and isolate add ~50 MiB
 * of RSS and its CPU time to whatever is measured. Packages stay external, as installed.
 */
export function bundle(
  entry: string,
  outfile = join(BUNDLES, `${entry.replace(/\.ts$/, '').replaceAll('/', '-')}.mjs`),
): string {
  buildSync({
    entryPoints: [join(ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  })
  return outfile
}
