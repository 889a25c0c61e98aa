/**
 * Every embedding example runs as its header comment says (with PORT=0), as a real child process:
 * the clean page passes unchanged, the injected one is blocked and its violation printed. And
 * examples/policies/learned.json is what `tagwarden learn` writes for examples/pages/shop.html.
 */
import { execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { promisify } from 'node:util'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..')
const EXAMPLES = join(ROOT, 'examples')
const PAGE = readFileSync(join(EXAMPLES, 'pages', 'shop.html'), 'utf8')
const VIOLATION = 'violation: frame-src <iframe src="http://attacker.example/exploit"> on /injected'

interface Running {
  url: string
  lines: string[]
  /** Resolves once a line matching `pattern` has been printed. */
  printed(pattern: string): Promise<void>
}

/** The command in the example's header comment, run with PORT=0 until its "listening on" line. */
async function start(t: { teardown(fn: () => unknown): void }, name: string): Promise<Running> {
  const source = readFileSync(join(EXAMPLES, name), 'utf8')
  const command = /^ \* {3}PORT=\d+ node (--import tsx examples\/[\w-]+\.ts)$/m.exec(source)
  if (command === null)
    throw new Error(`${name}: no "PORT=… node --import tsx examples/…" line in its header`)
  const child = spawn(process.execPath, command[1]!.split(' '), {
    cwd: ROOT,
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  })
  const lines: string[] = []
  const waiting: [string, () => void][] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line)
    for (const [pattern, resolve] of waiting) if (line.includes(pattern)) resolve()
  })
  const printed = (pattern: string) =>
    lines.some((l) => l.includes(pattern))
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiting.push([pattern, resolve])
          void exited.then(() => reject(new Error(`${name} exited before printing ${pattern}`)))
        })
  await printed('listening on ')
  const url = /listening on (http:\/\/\S+)/.exec(lines.find((l) => l.includes('listening on '))!)![1]!
  return { url, lines, printed }
}

for (const name of [
  'node-http.ts',
  'express.ts',
  'fastify.ts',
  'http-proxy.ts',
  'http-proxy-middleware.ts',
  'fetch.ts',
]) {
  t.test(name, async (t) => {
    const example = await start(t, name)
    const clean = await fetch(`${example.url}/`, { headers: { 'accept-encoding': 'gzip' } })
    t.equal(clean.status, 200, 'the clean page')
    t.equal(await clean.text(), PAGE, 'unchanged')
    const injected = await fetch(`${example.url}/injected`)
    t.equal(injected.status, 502, 'the injected page is blocked')
    const text = await injected.text()
    t.match(text, /502 Blocked/)
    t.notMatch(text, /attacker\.example/)
    await example.printed(VIOLATION)
    t.pass('the violation was printed')
  })
}

t.test('express.ts: compressed, metrics, JSON untouched', async (t) => {
  const example = await start(t, 'express.ts')
  const clean = await fetch(`${example.url}/`, { headers: { 'accept-encoding': 'gzip' } })
  t.equal(clean.headers.get('content-encoding'), 'gzip', 'compression() still compresses')
  t.equal(await clean.text(), PAGE)
  t.equal((await fetch(`${example.url}/injected`)).status, 502)
  t.same(await (await fetch(`${example.url}/catalogue.json`)).json(), [{ id: 1, name: 'Teapot' }])
  const metrics = await (await fetch(`${example.url}/metrics`)).text()
  t.match(metrics, 'tagwarden_responses_total{site="shop",verdict="clean"} 1')
  t.match(metrics, 'tagwarden_responses_total{site="shop",verdict="violation"} 1')
  t.match(metrics, 'tagwarden_violations_total{site="shop",directive="frame-src",action="blocked"} 1')
})

t.test('fastify.ts: a streamed file payload', async (t) => {
  const example = await start(t, 'fastify.ts')
  const streamed = await fetch(`${example.url}/streamed`)
  t.equal(streamed.status, 200)
  t.equal(await streamed.text(), PAGE)
})

t.test('policies/learned.json is what `tagwarden learn` writes for pages/shop.html', async (t) => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'learn',
      '--url',
      'https://shop.example/',
      'examples/pages/shop.html',
    ],
    { cwd: ROOT },
  )
  const learned = JSON.parse(readFileSync(join(EXAMPLES, 'policies', 'learned.json'), 'utf8')) as unknown
  t.same(learned, JSON.parse(stdout), 'regenerate it with that command (then prettier) when the page changes')
})
