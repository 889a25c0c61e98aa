/**
 * Debian's headless chromium for the end-to-end browser tests: where it is, and a page loaded in it
 * until its load event (iframes included), with a profile of its own.
 */
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined
  } catch {
    return undefined
  }
}

/** Load `url` in headless chromium until its load event (iframes included); resolves with the DOM. */
export function loadInChromium(chromium: string, url: string, extraArgs: string[] = []): Promise<string> {
  const profile = mkdtempSync(join(tmpdir(), 'tagwarden-chromium-'))
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
    ...extraArgs,
    '--dump-dom',
    url,
  ]
  return new Promise((resolve, reject) => {
    const child = spawn(chromium, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let dom = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (dom += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    // A guard, not a timing assertion: a browser that hangs fails the test instead of the suite.
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(guard)
      rmSync(profile, { recursive: true, force: true })
      if (code === 0) resolve(dom)
      else reject(new Error(`chromium exited with ${code}: ${stderr.slice(-500)}`))
    })
  })
}
