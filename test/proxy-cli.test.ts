/**
 * `tagwarden proxy` as a process: bad flags and configurations exit 2 with one line naming what is
 * wrong; SIGTERM lets in-flight responses finish and exits 0; --workers aggregates /metrics.
 */
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { connect } from 'node:net'
import { join } from 'node:path'
import t from 'tap'
import { proxy } from '../src/cli/proxy.js'
import { TagwardenError } from '../src/index.js'
import {
  MAIN,
  closeServer,
  get,
  listen,
  metric,
  metricsText,
  parseResponse,
  rawRequest,
  spawnProxy,
  startUpstream,
} from './helpers/proxy.js'
import { POLICY_DIRECTIVES, servePage } from './helpers/proxy-pages.js'

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, 'proxy', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
}

const POLICY = JSON.stringify({ action: 'block', directives: POLICY_DIRECTIVES })

t.test('bad flags and configurations: exit 2, one line naming what is wrong', async (t) => {
  const dir = t.testdir({
    'policy.json': POLICY,
    'bad-policy.yaml': 'directives:\n  script-src: [self]\n',
    'typo.yaml':
      'sites:\n  - name: shop\n    hosts: [shop.example]\n    target: http://127.0.0.1:1\n    polcy: ./policy.json\n',
    'target.yaml':
      'sites:\n  - name: shop\n    hosts: [shop.example]\n    target: http://127.0.0.1:1/app\n    policy: ./policy.json\n',
    'nopolicy.yaml': 'sites:\n  - name: shop\n    hosts: [shop.example]\n    target: http://127.0.0.1:1\n',
    'dup.yaml':
      'policy: ./policy.json\nsites:\n  - { name: a, hosts: [x.example], target: "http://127.0.0.1:1" }\n  - { name: b, hosts: [X.example], target: "http://127.0.0.1:2" }\n',
    'inline.yaml':
      'sites:\n  - name: shop\n    hosts: ["*"]\n    target: http://127.0.0.1:1\n    policy: { directives: { frame-src: "https://" } }\n',
    'syntax.yaml': 'sites: [\n',
    'timeouts.json':
      '{"policy":"./policy.json","timeouts":{"response":0},"sites":[{"name":"a","hosts":["*"],"target":"http://127.0.0.1:1"}]}',
  })
  const p = join(dir, 'policy.json')
  const cases: [string[], RegExp][] = [
    [[], /^tagwarden: proxy needs --target URL or --config FILE$/],
    [['--target', 'http://127.0.0.1:1'], /^tagwarden: --target needs --policy FILE$/],
    [
      ['--target', 'ftp://x', '--policy', p],
      /--target: expected an http:\/\/ or https:\/\/ origin, got "ftp:\/\/x"$/,
    ],
    [
      ['--target', 'http://127.0.0.1:1', '--config', join(dir, 'dup.yaml')],
      /use --target or --config, not both$/,
    ],
    [
      ['--target', 'http://127.0.0.1:1', '--policy', p, '--listen', 'nope'],
      /--listen: expected \[HOST:\]PORT/,
    ],
    [
      ['--target', 'http://127.0.0.1:1', '--policy', p, '--workers', '0'],
      /--workers: expected a whole number from 1 to 64, got "0"$/,
    ],
    [
      ['--target', 'http://127.0.0.1:1', '--policy', p, '--log-level', 'loud'],
      /--log-level: expected one of fatal/,
    ],
    [['--target', 'http://127.0.0.1:1', '--policy', p, '--bogus'], /unknown option --bogus/],
    [
      ['--target', 'http://127.0.0.1:1', '--policy', join(dir, 'missing.json')],
      /missing\.json: cannot read the policy/,
    ],
    [
      ['--target', 'http://127.0.0.1:1', '--policy', join(dir, 'bad-policy.yaml')],
      /bad-policy\.yaml: directives\.script-src\[0\]/,
    ],
    [
      ['--config', join(dir, 'typo.yaml')],
      /typo\.yaml: sites\[0\]\.polcy: unknown field; expected one of name, hosts, target, policy/,
    ],
    [
      ['--config', join(dir, 'target.yaml')],
      /target\.yaml: sites\[0\]\.target: expected an origin only \(no path/,
    ],
    [['--config', join(dir, 'nopolicy.yaml')], /nopolicy\.yaml: sites\[0\]\.policy: missing/],
    [
      ['--config', join(dir, 'dup.yaml')],
      /dup\.yaml: sites\[1\]\.hosts\[0\]: expected a host no other site names, got "X\.example"$/,
    ],
    [['--config', join(dir, 'inline.yaml')], /inline\.yaml: sites\[0\]\.policy: directives\.frame-src/],
    [['--config', join(dir, 'syntax.yaml')], /syntax\.yaml: expected YAML: /],
    [
      ['--config', join(dir, 'timeouts.json')],
      /timeouts\.json: timeouts\.response: expected a whole number of milliseconds from 1 to 86400000, got 0$/,
    ],
    [['--config', join(dir, 'none.yaml')], /none\.yaml: cannot read the configuration/],
  ]
  // Every case in this process (the command's own code, minus the process around it) ...
  for (const [args, message] of cases) {
    const error = await proxy(args).then(
      () => new Error('no error'),
      (e: Error & { code?: string }) => e,
    )
    const line = `tagwarden: ${error.message}`
    t.ok(
      error instanceof TagwardenError || /^ERR_PARSE_ARGS/.test((error as { code?: string }).code ?? ''),
      `${args.join(' ') || '(no flags)'}: a coded error (exit 2)`,
    )
    t.notMatch(error.message, /\n/, 'one line')
    t.match(line, message)
  }
  // ... and a few as real processes: exit status, stderr, nothing on stdout.
  for (const i of [0, 4, 10, 9]) {
    const [args, message] = cases[i]!
    const { status, stderr, stdout } = await run(args)
    t.equal(status, 2, `${args.join(' ') || '(no flags)'}: exit 2`)
    t.equal(stderr.trim().split('\n').length, 1, 'one line on stderr')
    t.match(stderr.trim(), message)
    t.equal(stdout, '')
  }
  const help = await run(['--help'])
  t.equal(help.status, 0)
  t.match(help.stdout, /^usage: tagwarden proxy --target URL \[--policy FILE\] \[--listen \[HOST:\]PORT\]/)
})

t.test('an address in use: exit 2, naming it', async (t) => {
  const taken = createServer()
  const port = await listen(taken)
  t.teardown(() => closeServer(taken))
  const dir = t.testdir({ 'policy.json': POLICY })
  const r = await run([
    '--target',
    'http://127.0.0.1:1',
    '--policy',
    join(dir, 'policy.json'),
    '--listen',
    `127.0.0.1:${port}`,
  ])
  t.equal(r.status, 2)
  t.match(
    r.stderr,
    new RegExp(`^tagwarden: cannot listen on 127\\.0\\.0\\.1:${port} \\(proxy\\): EADDRINUSE\\n$`),
  )
})

t.test('the metrics address in use: exit 2, naming it as metrics, the proxy port let go', async (t) => {
  const taken = createServer()
  const port = await listen(taken)
  t.teardown(() => closeServer(taken))
  const dir = t.testdir({ 'policy.json': POLICY })
  for (const metrics of [`127.0.0.1:${port}`, String(port)]) {
    const r = await run([
      '--target',
      'http://127.0.0.1:1',
      '--policy',
      join(dir, 'policy.json'),
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      metrics,
    ])
    t.equal(r.status, 2, `--metrics-listen ${metrics}`)
    t.match(r.stderr, new RegExp(`cannot listen on .*:${port} \\(metrics\\): EADDRINUSE\\n$`))
    t.notMatch(r.stdout, /"listening"/)
  }
})

t.test('SIGTERM: stop accepting, finish the response in flight, exit 0', async (t) => {
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.write('<!doctype html><p>first half</p>')
    void released.then(() => res.end('<p>second half</p>'))
  })
  const dir = t.testdir({ 'policy.json': POLICY })
  const cli = await spawnProxy(t, ['--target', upstream.url, '--policy', join(dir, 'policy.json')])
  const port = Number(new URL(cli.url).port)
  let sigterm = false
  const response = rawRequest(port, get('/'), (sofar) => {
    if (sigterm || !sofar.includes('first half')) return
    sigterm = true
    cli.child.kill('SIGTERM')
  })
  await new Promise<void>((resolve) => {
    const check = (): void =>
      cli.lines.some((l) => l.msg === 'shutting down')
        ? resolve()
        : void cli.child.stdout!.once('data', check)
    check()
  })
  const refused = await new Promise<string>((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    s.on('connect', () => {
      s.destroy()
      resolve('connected')
    })
  })
  t.equal(refused, 'ECONNREFUSED', 'no new connections once shutting down')
  release()
  const r = parseResponse(await response)
  t.equal(r.statusLine, 'HTTP/1.1 200 OK')
  t.ok(r.complete, 'the in-flight response completed')
  t.equal(r.body.toString(), '<!doctype html><p>first half</p><p>second half</p>')
  t.equal(await cli.exited, 0, 'exit 0')
})

t.test('--workers 2: both serve, /metrics adds them up', async (t) => {
  const upstream = await startUpstream(t, servePage)
  const dir = t.testdir({ 'policy.json': POLICY })
  const cli = await spawnProxy(t, [
    '--target',
    upstream.url,
    '--policy',
    join(dir, 'policy.json'),
    '--workers',
    '2',
  ])
  const port = Number(new URL(cli.url).port)
  const statuses = await Promise.all(
    Array.from({ length: 20 }, async (_, i) => {
      const r = parseResponse(await rawRequest(port, get(i % 2 ? '/identity' : '/gzip/injected')))
      return r.statusLine
    }),
  )
  t.equal(statuses.filter((s) => s === 'HTTP/1.1 200 OK').length, 10)
  t.equal(statuses.filter((s) => s === 'HTTP/1.1 502 Bad Gateway').length, 10)
  const text = await metricsText(cli.metricsUrl)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'default', verdict: 'clean' }), 10)
  t.equal(
    metric(text, 'tagwarden_violations_total', {
      site: 'default',
      directive: 'frame-src',
      action: 'blocked',
    }),
    10,
  )
  const pids = new Set(cli.lines.filter((l) => l.msg === 'violation').map((l) => l.pid))
  t.ok(pids.size >= 1, `violations logged by ${pids.size} worker(s)`)
  t.equal((await fetch(`${cli.metricsUrl}/healthz`)).status, 200)
  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0)
})
