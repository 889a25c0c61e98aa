/**
 * attachInspector on a user's own http-proxy server: the upstream's responses as `tagwarden proxy`
 * forwards them, injected ones blocked, upstream failures mid-body counted and cut.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import httpProxy from 'http-proxy'
import { Registry } from 'prom-client'
import t from 'tap'
import { attachInspector, type EmbedOptions } from '../src/entries/embed.js'
import { InvalidOptionError } from '../src/index.js'
import {
  EVIL,
  SHAPES,
  WHOLE,
  blockPolicy,
  cleanPrefix,
  comparable,
  count,
  exchange,
  reportPolicy,
  serve,
  shapes,
} from './helpers/embed.js'
import type { RawResponse } from './helpers/proxy.js'

type Test = { teardown: (fn: () => unknown) => void }

function origin(req: IncomingMessage, res: ServerResponse): void {
  switch (req.url) {
    case '/json':
      res.setHeader('Content-Type', 'application/json')
      return void res.end(JSON.stringify({ html: `<iframe src="http://${EVIL}/">` }))
    case '/no-content':
      res.writeHead(204)
      return void res.end()
    case '/not-modified':
      res.writeHead(304, { ETag: '"v1"' })
      return void res.end()
    case '/reset':
    case '/reset-early':
      // The upstream dies mid-body: after a first part the gate releases, or before any.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      if (req.url === '/reset') res.write('<!doctype html><title>x</title><p>half a page</p>')
      else res.flushHeaders()
      return void setImmediate(() => res.socket?.destroy())
    default:
      shapes(req, res)
  }
}

/** The origin, and in front of it an http-proxy server with tagwarden attached. */
async function start(t: Test, options: EmbedOptions<IncomingMessage>) {
  const originPort = await serve(t, origin)
  const proxy = httpProxy.createProxyServer({
    target: `http://127.0.0.1:${originPort}`,
    selfHandleResponse: true,
  })
  t.teardown(() => proxy.close())
  const attached = attachInspector(proxy, options)
  const port = await serve(
    t,
    createServer((req, res) =>
      proxy.web(req, res, {}, () => {
        res.writeHead(502, { 'Content-Type': 'text/plain' })
        res.end('upstream failed\n')
      }),
    ),
  )
  return { originPort, port, proxy, attached }
}

/** The end-to-end part of a response: what a proxy forwards (RFC 9110 §7.6.1), Date aside. */
function endToEnd(response: RawResponse) {
  const c = comparable(response)
  const hop = ['connection', 'keep-alive', 'transfer-encoding']
  return { ...c, headers: c.headers.filter(([n]) => !hop.includes(n.toLowerCase())), chunked: undefined }
}

t.test('clean responses are forwarded as the upstream sent them', async (t) => {
  const { originPort, port } = await start(t, { policy: blockPolicy() })
  for (const shape of SHAPES) {
    const want = endToEnd(await exchange(originPort, `/${shape}`))
    t.same(endToEnd(await exchange(port, `/${shape}`)), want, shape)
  }
})

t.test('injected responses are blocked, nothing of them sent', async (t) => {
  const { port } = await start(t, { policy: blockPolicy() })
  for (const shape of SHAPES.filter((s) => s !== 'empty')) {
    const response = await exchange(port, `/${shape}/injected`)
    t.notOk(response.raw.includes(EVIL), `${shape}: no byte of the element`)
    if (WHOLE.includes(shape)) {
      t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', `${shape}: 502`)
      t.match(response.body.toString(), /502 Blocked/)
    } else if (!response.statusLine.includes(' 502 ')) {
      t.notOk(response.complete, `${shape}: cut`)
      t.ok(cleanPrefix(response.body), `${shape}: the clean part only`)
    }
  }
  const streamed = await exchange(port, '/flush-headers/injected')
  t.notOk(streamed.complete, 'a page streamed over time is cut after its clean start')
  t.ok(cleanPrefix(streamed.body) && streamed.body.length > 0)
})

t.test('report: forwarded unchanged and counted', async (t) => {
  const registry = new Registry()
  const seen: string[] = []
  const { originPort, port } = await start(t, {
    policy: reportPolicy(),
    registry,
    site: 'proxied',
    onViolation: (v, req) => seen.push(`${v.directive} ${req.url}`),
  })
  for (const path of ['/end/injected', '/small-writes/injected', '/json', '/no-content', '/not-modified']) {
    t.same(endToEnd(await exchange(port, path)), endToEnd(await exchange(originPort, path)), path)
  }
  t.same(
    endToEnd(await exchange(port, '/end', { method: 'HEAD' })),
    endToEnd(await exchange(originPort, '/end', { method: 'HEAD' })),
    'HEAD',
  )
  t.same(seen, ['frame-src /end/injected', 'frame-src /small-writes/injected'])
  const site = { site: 'proxied' }
  t.equal(await count(registry, 'tagwarden_violations_total', { ...site, action: 'reported' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'violation' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'skipped' }), 4)
  t.equal(await count(registry, 'tagwarden_inspection_seconds_count', site), 2)
})

t.test('an upstream that fails mid-body: cut and counted', async (t) => {
  const registry = new Registry()
  const { port } = await start(t, { policy: blockPolicy(), registry })
  const response = await exchange(port, '/reset')
  t.equal(response.statusLine, 'HTTP/1.1 200 OK')
  t.match(response.body.toString(), /half a page/, 'the released part went out')
  t.notOk(response.complete, 'never ended cleanly')
  const early = await exchange(port, '/reset-early')
  t.equal(early.statusLine, 'HTTP/1.1 502 Bad Gateway', 'nothing was sent: a 502')
  t.ok(early.complete)
  t.equal(await count(registry, 'tagwarden_upstream_errors_total', { kind: 'reset' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'error' }), 2)
})

t.test('attachInspector needs selfHandleResponse; detach removes the listener', async (t) => {
  const plain = httpProxy.createProxyServer({ target: 'http://127.0.0.1:9' })
  t.throws(() => attachInspector(plain, { policy: blockPolicy() }), InvalidOptionError)
  t.equal(plain.listenerCount('proxyRes'), 0)
  const own = httpProxy.createProxyServer({ target: 'http://127.0.0.1:9', selfHandleResponse: true })
  const attached = attachInspector(own, { policy: blockPolicy() })
  t.equal(own.listenerCount('proxyRes'), 1)
  await attached.ready
  attached.detach()
  t.equal(own.listenerCount('proxyRes'), 0)
})
