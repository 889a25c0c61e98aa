/**
 * When things go wrong on either side: an upstream that is down, resets or goes silent; a client that
 * leaves mid-response; bodies that hit a limit. Each affects its own request only and releases all.
 */
import { createServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { parsePolicy } from '../src/index.js'
import {
  closeServer,
  get,
  listen,
  metric,
  metricsText,
  parseResponse,
  rawRequest,
  startProxy,
  startUpstream,
} from './helpers/proxy.js'
import { blockPolicy, reportPolicy } from './helpers/proxy-pages.js'

const PREFIX = '<!doctype html><html><head><title>x</title></head><body><p>hello</p>'

/** Resolves when the raw client has seen `marker`, so the upstream can act after the proxy released it. */
function seen(marker: string): { onData: (sofar: Buffer) => void; promise: Promise<void> } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { onData: (sofar) => sofar.includes(marker) && resolve(), promise }
}

t.test('upstream down: a 502 for that request only, counted and logged', async (t) => {
  const dead = createServer()
  const deadPort = await listen(dead)
  await closeServer(dead)
  const live = await startUpstream(t, (_req, res) => res.end(PREFIX))
  const proxy = await startProxy(t, {
    sites: [
      {
        name: 'down',
        hosts: ['down.example'],
        target: `http://127.0.0.1:${deadPort}`,
        policy: blockPolicy(),
      },
      { name: 'up', hosts: ['up.example'], target: live.url, policy: blockPolicy() },
    ],
  })
  const r = parseResponse(await rawRequest(proxy.port, get('/', 'down.example')))
  t.equal(r.statusLine, 'HTTP/1.1 502 Bad Gateway')
  t.match(r.body.toString(), /^502 bad gateway: the upstream failed \(request [0-9a-f-]{36}\)\n$/)
  t.equal(
    parseResponse(await rawRequest(proxy.port, get('/', 'up.example'))).statusLine,
    'HTTP/1.1 200 OK',
    'other sites unaffected',
  )
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_upstream_errors_total', { site: 'down', kind: 'refused' }), 1)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'down', verdict: 'error' }), 1)
  t.match(
    proxy.logs.find((l) => l.level === 50),
    { site: 'down', kind: 'refused', code: 'TW_ERR_UPSTREAM', reqId: String },
  )
})

t.test('upstream reset: 502 before anything was sent, a cut after', async (t) => {
  const released = seen('hello')
  const upstream = await startUpstream(t, (req, res) => {
    if (req.url === '/early') return void req.socket.destroy()
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    if (req.url === '/held') {
      // An open inline script: the gate holds it, so nothing has gone out when the upstream dies.
      return void res.write(`${PREFIX}<script>var a = 1`, () => req.socket.destroy())
    }
    res.write(PREFIX)
    void released.promise.then(() => req.socket.destroy())
  })
  const proxy = await startProxy(t, {
    sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
  })
  t.equal(parseResponse(await rawRequest(proxy.port, get('/early'))).statusLine, 'HTTP/1.1 502 Bad Gateway')
  t.equal(parseResponse(await rawRequest(proxy.port, get('/held'))).statusLine, 'HTTP/1.1 502 Bad Gateway')
  const mid = parseResponse(await rawRequest(proxy.port, get('/mid'), released.onData))
  t.equal(mid.statusLine, 'HTTP/1.1 200 OK', 'headers and the clean start had gone out')
  t.match(mid.body.toString(), 'hello')
  t.notOk(mid.complete, 'then the connection is cut, not ended cleanly')
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_upstream_errors_total', { kind: 'reset' }), 3)
})

t.test('a silent upstream: 504 before headers, a cut after; counted as timeouts', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    if (req.url === '/silent') return
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.write(PREFIX) // and nothing more
  })
  const proxy = await startProxy(t, {
    sites: [{ name: 'site', target: upstream.url, policy: reportPolicy(), timeouts: { response: 200 } }],
  })
  const silent = parseResponse(await rawRequest(proxy.port, get('/silent')))
  t.equal(silent.statusLine, 'HTTP/1.1 504 Gateway Timeout')
  const stalled = parseResponse(await rawRequest(proxy.port, get('/stalled')))
  t.equal(stalled.statusLine, 'HTTP/1.1 200 OK')
  t.notOk(stalled.complete, 'cut')
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_upstream_errors_total', { kind: 'timeout' }), 2)
  t.equal(proxy.proxy.inFlight, 0)
})

t.test('a decompression bomb: blocked with onLimit block, passed untouched with pass', async (t) => {
  const bomb = gzipSync(`<!doctype html><p>${'a'.repeat(16 * 1024 * 1024)}</p>`)
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, {
      'content-type': 'text/html',
      'content-encoding': 'gzip',
      'content-length': bomb.length,
    })
    res.end(bomb)
  })
  const proxy = await startProxy(t, {
    sites: [
      { name: 'block', hosts: ['block.example'], target: upstream.url, policy: blockPolicy() },
      { name: 'pass', hosts: ['pass.example'], target: upstream.url, policy: reportPolicy() },
    ],
  })
  const blocked = parseResponse(await rawRequest(proxy.port, get('/', 'block.example')))
  t.equal(blocked.statusLine, 'HTTP/1.1 502 Bad Gateway')
  const passed = parseResponse(await rawRequest(proxy.port, get('/', 'pass.example')))
  t.equal(passed.statusLine, 'HTTP/1.1 200 OK')
  t.ok(passed.body.equals(bomb), 'the compressed bytes as sent')
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'block', verdict: 'limit' }), 1)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'pass', verdict: 'limit' }), 1)
  t.match(
    proxy.logs.find((l) => l.code === 'TW_ERR_LIMIT'),
    { site: 'block', limit: 'maxInflationRatio' },
  )
})

t.test('a body held past maxHeldBytes: 502, counted as a limit', async (t) => {
  const script = `<!doctype html><script>${'x=1;'.repeat(50_000)}</script>`
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    for (let i = 0; i < script.length; i += 16_384) res.write(script.slice(i, i + 16_384))
    res.end()
  })
  const policy = parsePolicy({ action: 'block', directives: { 'script-src': ["'unsafe-inline'"] } })
  const proxy = await startProxy(t, {
    sites: [{ name: 'site', target: upstream.url, policy, limits: { maxHeldBytes: 65_536 } }],
  })
  const r = parseResponse(await rawRequest(proxy.port, get('/')))
  t.equal(r.statusLine, 'HTTP/1.1 502 Bad Gateway')
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'limit' }), 1)
  t.match(
    proxy.logs.find((l) => l.code === 'TW_ERR_LIMIT'),
    { limit: 'maxHeldBytes' },
  )
})

t.test('a client that never finishes its request: 408 from Node, nothing upstream', async (t) => {
  const upstream = await startUpstream(t, (_req, res) => res.end(PREFIX))
  const proxy = await startProxy(t, {
    timeouts: { request: 300 },
    sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
  })
  const r = parseResponse(await rawRequest(proxy.port, 'GET / HTTP/1.1\r\nHost: site.example\r\n'))
  t.equal(r.statusLine, 'HTTP/1.1 408 Request Timeout')
  t.equal(upstream.connections, 0)
})

t.test(
  'a stray byte after a Content-Length body: the page is judged and delivered, the byte logged',
  async (t) => {
    const small = Buffer.from('<!doctype html><title>x</title><p>hi')
    const page = Buffer.from(`${PREFIX}${'<p>more</p>'.repeat(1300)}`)
    // A raw upstream: Node's own server would not send a byte past its Content-Length.
    const raw = createTcpServer((socket) => {
      socket.once('data', (request) => {
        const body = request.toString().startsWith('GET /small ') ? small : page
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${body.length}\r\n\r\n`,
        )
        socket.write(Buffer.concat([body, Buffer.from('X')]))
      })
    })
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise<void>((resolve) => raw.close(() => resolve())))
    const { port } = raw.address() as AddressInfo
    for (const [action, policy] of [
      ['block', blockPolicy()],
      ['report', reportPolicy()],
    ] as const) {
      const proxy = await startProxy(t, {
        sites: [{ name: 'site', target: `http://127.0.0.1:${port}`, policy }],
      })
      for (const [path, body] of [
        ['/small', small],
        ['/page', page],
      ] as const) {
        const r = parseResponse(await rawRequest(proxy.port, get(path)))
        t.equal(r.statusLine, 'HTTP/1.1 200 OK', `${action} ${path}`)
        t.equal(r.body.toString(), body.toString(), `${action} ${path}: the declared body`)
      }
      const text = await metricsText(proxy.metricsUrl)
      t.equal(
        metric(text, 'tagwarden_responses_total', { site: 'site', verdict: 'clean' }),
        2,
        `${action}: clean`,
      )
      t.equal(metric(text, 'tagwarden_responses_total', { site: 'site', verdict: 'error' }), 0)
      t.ok(
        proxy.logs.some((l) => l.level === 50 && l.kind === 'protocol'),
        `${action}: the stray byte is logged as the upstream's protocol error`,
      )
    }
  },
)

t.test(
  'a pooled connection the upstream just closed: a safe request is retried once, a POST never',
  async (t) => {
    // Each connection answers its first request (keep-alive), then hangs up on the next one without a
    // byte: the race of an upstream's keep-alive timeout with the proxy reusing the connection.
    const requests: string[] = []
    const raw = createTcpServer((socket) => {
      let served = 0
      socket.on('data', (request) => {
        requests.push(request.toString().split(' ', 2).join(' '))
        if (served++ > 0) return void socket.destroy()
        const body = '<!doctype html><title>x</title><p>hi'
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: ${body.length}\r\nconnection: keep-alive\r\n\r\n${body}`,
        )
      })
    })
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
    t.teardown(() => new Promise<void>((resolve) => raw.close(() => resolve())))
    const { port } = raw.address() as AddressInfo
    const proxy = await startProxy(t, {
      sites: [{ name: 'site', target: `http://127.0.0.1:${port}`, policy: blockPolicy() }],
    })
    t.equal(parseResponse(await rawRequest(proxy.port, get('/one'))).statusLine, 'HTTP/1.1 200 OK')
    const again = parseResponse(await rawRequest(proxy.port, get('/two')))
    t.equal(again.statusLine, 'HTTP/1.1 200 OK', 'GET on the reused connection: retried on a new one')
    t.same(requests, ['GET /one', 'GET /two', 'GET /two'])
    // A new pooled connection (the retry's own is not pooled), for the POST to reuse.
    t.equal(parseResponse(await rawRequest(proxy.port, get('/three'))).statusLine, 'HTTP/1.1 200 OK')
    const post = parseResponse(
      await rawRequest(
        proxy.port,
        'POST /form HTTP/1.1\r\nhost: site.example\r\ncontent-type: text/plain\r\ncontent-length: 2\r\nconnection: close\r\n\r\nhi',
      ),
    )
    t.equal(post.statusLine, 'HTTP/1.1 502 Bad Gateway', 'a POST with a body is never sent twice')
    t.equal(requests.filter((r) => r === 'POST /form').length, 1)
    const text = await metricsText(proxy.metricsUrl)
    t.equal(metric(text, 'tagwarden_upstream_errors_total', { site: 'site', kind: 'reset' }), 1)
  },
)
