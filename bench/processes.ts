import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { ROOT } from './bundle.js'

/** A server under measurement, in a process of its own (so its CPU and RSS are its own). */
export interface Child {
  process: ChildProcess
  /** Its first line on stdout, parsed: where it listens. */
  ready: Record<string, unknown>
  /** Resolves with the next line on stderr that is a JSON object holding `key`. */
  next(key: string): Promise<Record<string, unknown>>
  stop(): Promise<void>
}

/**
 * Starts `node [nodeArgs] script [args]`, writes `stdin` to it, and resolves once it prints its
 * first line on stdout. Every later stdout line (a proxy's logs) is read and dropped, so a full pipe
 * never stalls the process being measured.
 */
export function startChild(
  script: string,
  args: string[],
  { stdin = '', nodeArgs = [] }: { stdin?: string; nodeArgs?: string[] } = {},
): Promise<Child> {
  const child = spawn(process.execPath, [...nodeArgs, script, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin.end(stdin)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const waiting: { key: string; resolve: (value: Record<string, unknown>) => void }[] = []
  let stderr = ''
  createInterface({ input: child.stderr }).on('line', (line) => {
    const parsed = line.startsWith('{') ? (JSON.parse(line) as Record<string, unknown>) : null
    const at = parsed === null ? -1 : waiting.findIndex((w) => w.key in parsed)
    if (at >= 0) waiting.splice(at, 1)[0]!.resolve(parsed!)
    else stderr += `${line}\n`
  })
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout })
    let ready: Record<string, unknown> | null = null
    lines.on('line', (line) => {
      if (ready !== null) return
      ready = JSON.parse(line) as Record<string, unknown>
      resolve({
        process: child,
        ready,
        next: (key) => new Promise((resolve) => waiting.push({ key, resolve })),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          await exited
        },
      })
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (ready === null) reject(new Error(`${script} exited (${code}) before it was ready\n${stderr}`))
    })
  })
}

/**
 * Runs `node script ...args` in the repository root, `stdin` written to it, and resolves with the one
 * JSON value it prints on stdout; a non-zero exit rejects with `what` and its stderr.
 */
export function runJsonChild<T>(
  script: string,
  args: readonly string[],
  what: string,
  options: { stdin?: string; signal?: AbortSignal } = {},
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    })
    child.stdin.end(options.stdin ?? '')
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout) as T)
      else reject(new Error(`${what}: exit ${code}\n${stderr.trim()}`))
    })
  })
}
