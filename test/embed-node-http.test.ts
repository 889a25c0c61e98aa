/**
 * wrapHandler against real node:http servers: every way a handler writes a response, the same bytes
 * with and without tagwarden; injected pages blocked with nothing of them sent; report counted.
 */
import { once } from 'node:events'
import { Agent, createServer, get } from 'node:http'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import t from 'tap'
import { IoError } from '../src/index.js'
import { wrapHandler } from '../src/entries/embed.js'
import {
  EVIL,
  SHAPES,
  WHOLE,
  blockPolicy,
  cleanPrefix,
  comparable,
  count,
  exchange,
  header,
  page,
  reportPolicy,
  serve,
  shapes,
} from './helpers/embed.js'

t.test('clean responses are byte-identical, whatever the handler calls', async (t) => {
  const control = await serve(t, shapes)
  const wrapped = await serve(t, wrapHandler(shapes, { policy: blockPolicy() }))
  for (const shape of SHAPES) {
    const want = comparable(await exchange(control, `/${shape}`))
    const got = comparable(await exchange(wrapped, `/${shape}`))
    t.same(got, want, shape)
    t.ok(want.complete, `${shape}: the control response is complete`)
  }
  // The framing Node chooses is kept: a body given whole to end() gets its Content-Length.
  const end = await exchange(wrapped, '/end')
  t.equal(header(end, 'content-length'), String(Buffer.byteLength(page())))
  t.notOk(end.chunked)
})

/** Shapes that write over several turns of the event loop: their clean start goes out first. */
const STREAMED = ['small-writes', 'flush-headers']

t.test('an injected page is blocked and nothing of it leaks', async (t) => {
  const port = await serve(t, wrapHandler(shapes, { policy: blockPolicy() }))
  for (const shape of SHAPES.filter((s) => s !== 'empty')) {
    const response = await exchange(port, `/${shape}/injected`)
    t.notOk(response.raw.includes(EVIL), `${shape}: no byte of the injected element`)
    if (WHOLE.includes(shape)) {
      t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', `${shape}: 502 when nothing was sent`)
      t.match(response.body.toString(), /502 Blocked/)
      t.notOk(header(response, 'set-cookie'), `${shape}: none of the handler's headers`)
      t.notOk(header(response, 'etag'))
      t.equal(header(response, 'content-length'), String(response.body.length))
      t.ok(response.complete)
    } else if (STREAMED.includes(shape) || !response.statusLine.includes(' 502 ')) {
      // Streamed over time: the clean part before the injection was released, the head went out: a
      // cut. (A piped stream may reach the element before anything was released: then a 502.)
      t.match(response.statusLine, /^HTTP\/1\.1 200 /, `${shape}: the head had gone out`)
      t.notOk(response.complete, `${shape}: the connection was cut, not ended`)
      t.ok(cleanPrefix(response.body), `${shape}: what was sent is the clean part before it`)
    }
  }
})

t.test('after flushHeaders a block cuts the connection', async (t) => {
  const port = await serve(t, wrapHandler(shapes, { policy: blockPolicy() }))
  const response = await exchange(port, '/flush-headers/injected')
  t.equal(response.statusLine, 'HTTP/1.1 200 OK')
  t.ok(response.chunked)
  t.notOk(response.complete, 'chunked without its last chunk')
  t.ok(cleanPrefix(response.body))
})

t.test('report: responses unchanged, violations counted in the caller registry', async (t) => {
  const control = await serve(t, shapes)
  const registry = new Registry()
  const seen: { directive: string; path: string | undefined }[] = []
  const port = await serve(
    t,
    wrapHandler(shapes, {
      policy: reportPolicy(),
      registry,
      site: 'shop',
      onViolation: (v, req) => seen.push({ directive: v.directive, path: req.url }),
    }),
  )
  for (const shape of ['end', 'small-writes', 'flush-headers'] as const) {
    t.same(
      comparable(await exchange(port, `/${shape}/injected`)),
      comparable(await exchange(control, `/${shape}/injected`)),
      `${shape}: the injected page unchanged`,
    )
  }
  await exchange(port, '/end')
  t.same(seen, [
    { directive: 'frame-src', path: '/end/injected' },
    { directive: 'frame-src', path: '/small-writes/injected' },
    { directive: 'frame-src', path: '/flush-headers/injected' },
  ])
  const labels = { site: 'shop', directive: 'frame-src', action: 'reported' }
  t.equal(await count(registry, 'tagwarden_violations_total', labels), 3)
  t.equal(await count(registry, 'tagwarden_responses_total', { site: 'shop', verdict: 'violation' }), 3)
  t.equal(await count(registry, 'tagwarden_responses_total', { site: 'shop', verdict: 'clean' }), 1)
  t.equal(await count(registry, 'tagwarden_violations_total', { ...labels, action: 'blocked' }), 0)
  t.ok(await count(registry, 'tagwarden_inspected_bytes_total', { site: 'shop' }))
})

t.test('HEAD, 204, 304, non-HTML and event streams pass untouched', async (t) => {
  const injected = `data: ${'x'.repeat(10)}${'<iframe src="http://evil.example/">'}\n\n`
  const handler = (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    switch (req.url) {
      case '/page':
        res.setHeader('Content-Type', 'text/html')
        return void res.end(page(`<iframe src="http://${EVIL}/">`))
      case '/204':
        res.writeHead(204, { 'Content-Type': 'text/html' })
        return void res.end()
      case '/304':
        res.writeHead(304, { ETag: '"v1"' })
        return void res.end()
      case '/json':
        res.setHeader('Content-Type', 'application/json')
        return void res.end(JSON.stringify({ html: `<iframe src="http://${EVIL}/">` }))
      case '/events':
        res.writeHead(200, { 'Content-Type': 'text/event-stream' })
        res.write(injected)
        // The stream stays open until the client has the first event: it is not held back.
        req.socket.once('data', () => res.end())
        return
    }
  }
  const registry = new Registry()
  const control = await serve(t, handler)
  const port = await serve(t, wrapHandler(handler, { policy: blockPolicy(), registry }))
  for (const [method, path] of [
    ['HEAD', '/page'],
    ['GET', '/204'],
    ['GET', '/304'],
    ['GET', '/json'],
  ] as const) {
    t.same(
      comparable(await exchange(port, path, { method })),
      comparable(await exchange(control, path, { method })),
      `${method} ${path}`,
    )
  }
  t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'skipped' }), 4)

  // The event arrives while the response is still open (the client then pokes the socket).
  const { connect } = await import('node:net')
  const socket = connect(port, '127.0.0.1')
  socket.write('GET /events HTTP/1.1\r\nHost: x\r\n\r\n')
  let received = ''
  for await (const data of socket) {
    received += String(data)
    if (received.includes(injected)) break
  }
  t.match(received, /^HTTP\/1\.1 200 OK\r\n/)
  t.ok(received.includes(injected), 'the event, unheld')
  socket.destroy()
})

t.test('backpressure: write() returns false and drain comes, with nothing lost', async (t) => {
  const body = page().repeat(200) // ~1.5 MB
  let refused = 0
  const handler = async (
    _req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
  ) => {
    res.setHeader('Content-Type', 'text/html')
    for (let i = 0; i < body.length; i += 65536) {
      if (!res.write(body.slice(i, i + 65536))) {
        refused++
        await once(res, 'drain')
      }
    }
    res.end()
  }
  const port = await serve(t, wrapHandler(handler, { policy: blockPolicy() }))
  const response = await fetch(`http://127.0.0.1:${port}/`)
  t.equal(await response.text(), body)
  t.ok(refused > 0, 'the handler had to wait for drain')
})

t.test('what the handler throws reaches its caller', async (t) => {
  const wrapped = wrapHandler(
    (req) => {
      if (req.url === '/sync') throw new Error('sync failure')
      return Promise.reject(new Error('async failure'))
    },
    { policy: blockPolicy() },
  )
  const caught: string[] = []
  const port = await serve(t, (req, res) => {
    const fail = (error: Error) => {
      caught.push(error.message)
      res.writeHead(500, { 'Content-Type': 'text/html' })
      res.end('<!doctype html><p>Sorry.</p>')
    }
    try {
      void Promise.resolve(wrapped(req, res)).catch(fail)
    } catch (error) {
      fail(error as Error)
    }
  })
  for (const path of ['/sync', '/async']) {
    const response = await exchange(port, path)
    t.equal(response.statusLine, 'HTTP/1.1 500 Internal Server Error', `${path}: the caller's error page`)
    t.equal(response.body.toString(), '<!doctype html><p>Sorry.</p>', 'inspected and passed')
  }
  t.same(caught, ['sync failure', 'async failure'])
})

t.test('a policy file is read when the handler is wrapped; an unreadable one throws there', async (t) => {
  const dir = t.testdir()
  const file = join(dir, 'policy.yaml')
  writeFileSync(file, 'action: block\ndirectives:\n  default-src: ["\'self\'"]\n')
  const wrapped = wrapHandler(shapes, { policy: file })
  await wrapped.ready
  const port = await serve(t, wrapped)
  t.equal((await exchange(port, '/end/injected')).statusLine, 'HTTP/1.1 502 Bad Gateway')
  t.equal((await exchange(port, '/end')).statusLine, 'HTTP/1.1 200 OK')
  t.throws(() => wrapHandler(shapes, { policy: join(dir, 'missing.json') }), IoError)
})

t.test('keep-alive: after a 502 the connection serves the next response', async (t) => {
  const server = createServer(wrapHandler(shapes, { policy: blockPolicy() }))
  let connections = 0
  server.on('connection', () => connections++)
  const port = await serve(t, server)
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  t.teardown(() => agent.destroy())
  const fetchOne = (path: string) =>
    new Promise<{ status: number | undefined; body: string }>((resolve, reject) => {
      get({ host: '127.0.0.1', port, path, agent }, (res) => {
        let body = ''
        res.on('data', (d: Buffer) => (body += d))
        res.on('end', () => resolve({ status: res.statusCode, body }))
      }).on('error', reject)
    })
  t.equal((await fetchOne('/end/injected')).status, 502)
  t.same(await fetchOne('/end'), { status: 200, body: page() })
  t.equal((await fetchOne('/write-head-object/injected')).status, 502)
  t.same(await fetchOne('/pipe'), { status: 200, body: page() })
  t.equal(connections, 1, 'one connection for all four')
})
