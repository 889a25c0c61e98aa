import { spawn } from 'node:child_process'
import { join } from 'node:path'

export const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts')

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Run the real CLI in a child process, as a user or a CI pipeline would. */
export function tagwarden(args: string[], stdin?: string | Buffer, cwd?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
    child.stdin.end(stdin)
  })
}
