/**
 * middleware() in real Express 5 apps: res.send, streamed writes, sendFile and piped streams come out
 * byte-identical, also behind compression(); injected pages are blocked; Express's error handling
 * is untouched; mounted apps are judged by the URL the visitor asked for.
 */
import type { ServerResponse } from 'node:http'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import compression from 'compression'
import express, { type Express, type NextFunction, type Request, type Response } from 'express'
import { Registry } from 'prom-client'
import t from 'tap'
import { middleware, type EmbedOptions } from '../src/entries/embed.js'
import { parsePolicy } from '../src/index.js'
import { prng, randomChunks } from './helpers/chunks.js'
import {
  DIRECTIVES,
  EVIL,
  INJECTION,
  blockPolicy,
  cleanPrefix,
  comparable,
  count,
  exchange,
  header,
  page,
  reportPolicy,
  serve,
} from './helpers/embed.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** The same routes with and without tagwarden (`use` is what goes before them). */
function app(dir: string, ...use: express.RequestHandler[]): Express {
  const a = express()
  for (const handler of use) a.use(handler)
  const html = (req: Request) => page(req.query.injected === '1' ? INJECTION : '')
  a.get('/send', (req, res) => void res.send(html(req)))
  a.get('/write', async (req, res) => {
    res.type('html')
    for (const [i, chunk] of randomChunks(Buffer.from(html(req)), prng(7), 64).entries()) {
      res.write(chunk)
      if (i % 4 === 0) await turn()
    }
    res.end()
  })
  a.get('/file', (req, res) => {
    // The test directory is under .tap/: a dot-directory, which send() refuses by default.
    res.sendFile(join(dir, req.query.injected === '1' ? 'injected.html' : 'page.html'), { dotfiles: 'allow' })
  })
  a.get('/stream', (req, res) => {
    res.type('html')
    Readable.from(randomChunks(Buffer.from(html(req)), prng(11), 256), { objectMode: false }).pipe(res)
  })
  a.get('/json', (_req, res) => void res.json({ html: INJECTION }))
  a.get('/no-content', (_req, res) => void res.sendStatus(204))
  a.get('/throws', (req) => {
    throw new Error(req.query.injected === '1' ? 'injected' : 'plain')
  })
  a.get('/throws-after-write', (_req, res) => {
    res.type('html')
    res.write('<!doctype html><p>partial</p>')
    throw new Error('mid-response')
  })
  const embed = express.Router()
  embed.get(
    '/video',
    (_req, res) => void res.send(page('<iframe src="https://player.example/v/1"></iframe>')),
  )
  a.use('/embed', embed)
  a.get('/video', (_req, res) => void res.send(page('<iframe src="https://player.example/v/1"></iframe>')))
  // Express's documented error middleware: an HTML page unless the response has started.
  a.use((error: Error, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error)
    res
      .status(500)
      .send(`<!doctype html><p>Something broke</p>${error.message === 'injected' ? INJECTION : ''}`)
  })
  return a
}

function pages(t: { testdir: (f?: Record<string, string>) => string }): string {
  return t.testdir({ 'page.html': page(), 'injected.html': page(INJECTION) })
}

t.test('clean pages are byte-identical', async (t) => {
  const dir = pages(t)
  const control = await serve(t, app(dir))
  const port = await serve(t, app(dir, middleware({ policy: blockPolicy() })))
  for (const path of ['/send', '/write', '/file', '/stream']) {
    const want = comparable(await exchange(control, path))
    t.same(comparable(await exchange(port, path)), want, path)
    t.match(want.statusLine, / 200 OK$/)
  }
  const send = await exchange(port, '/send')
  t.equal(
    header(send, 'content-length'),
    String(Buffer.byteLength(page())),
    'Content-Length as Express set it',
  )
})

t.test('injected pages are blocked, nothing of them sent', async (t) => {
  const dir = pages(t)
  const port = await serve(t, app(dir, middleware({ policy: blockPolicy() })))
  for (const path of ['/send', '/file', '/throws']) {
    const response = await exchange(port, `${path}?injected=1`)
    t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', `${path}: 502`)
    t.match(response.body.toString(), /502 Blocked/)
    t.notOk(response.raw.includes(EVIL))
    t.notOk(header(response, 'etag'), `${path}: none of Express's headers`)
  }
  for (const path of ['/write', '/stream']) {
    const response = await exchange(port, `${path}?injected=1`)
    t.notOk(response.raw.includes(EVIL), `${path}: nothing of the element`)
    if (response.statusLine.includes(' 502 ')) continue // nothing had been released yet
    t.notOk(response.complete, `${path}: cut after the head went out`)
    t.ok(cleanPrefix(response.body), `${path}: only the clean part before it`)
  }
})

t.test('compression() registered before: tagwarden sees the body uncompressed', async (t) => {
  const dir = pages(t)
  const gzip = { 'Accept-Encoding': 'gzip' }
  const control = await serve(t, app(dir, compression()))
  const port = await serve(t, app(dir, compression(), middleware({ policy: blockPolicy() })))
  for (const path of ['/send', '/write', '/file', '/stream']) {
    const want = await exchange(control, path, { headers: gzip })
    const got = await exchange(port, path, { headers: gzip })
    t.equal(header(want, 'content-encoding'), 'gzip', `${path}: compressed`)
    t.same(comparable(got), comparable(want), `${path}: the same compressed bytes`)
    t.equal(gunzipSync(got.body).toString(), page())
  }
  const blocked = await exchange(port, '/send?injected=1', { headers: gzip })
  t.equal(blocked.statusLine, 'HTTP/1.1 502 Bad Gateway')
  t.notOk(header(blocked, 'content-encoding'), 'the block page is too short to be compressed')
  t.match(blocked.body.toString(), /502 Blocked/)
})

t.test('compression() registered after: tagwarden decodes what it compressed', async (t) => {
  const dir = pages(t)
  const gzip = { 'Accept-Encoding': 'gzip' }
  const control = await serve(t, app(dir, compression()))
  const port = await serve(t, app(dir, middleware({ policy: blockPolicy() }), compression()))
  for (const path of ['/send', '/write']) {
    t.same(
      comparable(await exchange(port, path, { headers: gzip })),
      comparable(await exchange(control, path, { headers: gzip })),
      path,
    )
  }
  const blocked = await exchange(port, '/send?injected=1', { headers: gzip })
  t.equal(blocked.statusLine, 'HTTP/1.1 502 Bad Gateway')
})

t.test("a handler that throws gets Express's error handling", async (t) => {
  const dir = pages(t)
  const control = await serve(t, app(dir))
  const port = await serve(t, app(dir, middleware({ policy: blockPolicy() })))
  const want = comparable(await exchange(control, '/throws'))
  t.same(comparable(await exchange(port, '/throws')), want, 'the error page, inspected and passed')
  t.match(want.statusLine, / 500 /)
  // Thrown after the response started: Express's final handler destroys the socket, as without us.
  const cut = await exchange(port, '/throws-after-write')
  t.notOk(cut.complete, 'cut')
  t.same(
    comparable(cut),
    comparable(await exchange(control, '/throws-after-write')),
    'as Express does it alone',
  )
})

t.test('a mounted app is judged by the URL the visitor asked for', async (t) => {
  const policy = parsePolicy({
    action: 'block',
    directives: DIRECTIVES,
    routes: [{ path: '/embed/**', directives: { 'frame-src': ['https://player.example/'] } }],
  })
  const port = await serve(t, app(pages(t), middleware({ policy })))
  t.equal((await exchange(port, '/embed/video')).statusLine, 'HTTP/1.1 200 OK', "the route's policy")
  t.equal((await exchange(port, '/video')).statusLine, 'HTTP/1.1 502 Bad Gateway', 'elsewhere, the default')
})

t.test('report: unchanged and counted; HEAD, 204, 304 and JSON untouched', async (t) => {
  const dir = pages(t)
  const registry = new Registry()
  const seen: string[] = []
  const options: EmbedOptions<Request> = {
    policy: reportPolicy(),
    registry,
    site: 'express',
    onViolation: (v, req) => seen.push(`${v.directive} ${req.originalUrl}`),
  }
  const control = await serve(t, app(dir))
  const port = await serve(t, app(dir, middleware(options)))
  const etag = header(await exchange(control, '/send'), 'etag')!
  for (const [path, method, headers] of [
    ['/send?injected=1', 'GET', {}],
    ['/write?injected=1', 'GET', {}],
    ['/send', 'HEAD', {}],
    ['/send', 'GET', { 'If-None-Match': etag }],
    ['/no-content', 'GET', {}],
    ['/json', 'GET', {}],
  ] as const) {
    t.same(
      comparable(await exchange(port, path, { method, headers })),
      comparable(await exchange(control, path, { method, headers })),
      `${method} ${path} ${JSON.stringify(headers)}`,
    )
  }
  t.same(seen, ['frame-src /send?injected=1', 'frame-src /write?injected=1'])
  const site = { site: 'express' }
  t.equal(await count(registry, 'tagwarden_violations_total', { ...site, action: 'reported' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'violation' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'skipped' }), 4)
})

t.test('streaming: flushHeaders and server-sent events go out at once', async (t) => {
  const a = express()
  a.use(middleware({ policy: blockPolicy() }))
  let release!: () => void
  const released = new Promise<void>((resolve) => (release = resolve))
  a.get('/events', async (_req, res: ServerResponse) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' })
    res.write(`data: ${INJECTION}\n\n`)
    await released
    res.end()
  })
  a.get('/progress', async (_req, res) => {
    res.type('html')
    res.flushHeaders()
    res.write('<!doctype html><title>Working</title><p>step 1</p>')
    await released
    res.end('<p>done</p>')
  })
  const port = await serve(t, a)
  for (const [path, wait] of [
    ['/events', INJECTION],
    ['/progress', '<p>step 1</p>'],
  ]) {
    const response = await fetch(`http://127.0.0.1:${port}${path}`)
    const reader = response.body!.getReader()
    let text = ''
    while (!text.includes(wait!)) text += Buffer.from((await reader.read()).value!).toString()
    t.pass(`${path}: the first part arrived while the response is open`)
    release()
    for (let r = await reader.read(); !r.done; r = await reader.read())
      text += Buffer.from(r.value).toString()
  }
})
