import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'
import { buildSync } from 'esbuild'

const ROOT = join(import.meta.dirname, '..', '..')

/**
 * The CLI's source as one file of plain JavaScript, made afresh for each test process: the same code
 * as src/cli/main.ts, started by node in ~0.2 s rather than ~1.3 s under tsx (the suite starts it
 * hundreds of times). Packages stay external, resolved from node_modules as installed; at this depth
 * the CLI finds the package.json its --version reads.
 */
function bundleCli(): string {
  const outfile = join(ROOT, 'node_modules', '.cache', `tagwarden-cli-${process.pid}.mjs`)
  buildSync({
    entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  })
  process.once('exit', () => rmSync(outfile, { force: true }))
  return outfile
}

/** `node MAIN args…` runs the CLI. */
export const MAIN = bundleCli()

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Run the real CLI in a child process, as a user or a CI pipeline would. */
export function tagwarden(args: string[], stdin?: string | Buffer, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(stdin)
  })
}
