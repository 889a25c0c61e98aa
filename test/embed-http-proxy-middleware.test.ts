/**
 * httpProxyMiddlewarePlugin in http-proxy-middleware 3 behind Express, real servers, no mocks: clean
 * responses are what hpm alone forwards, injected ones are blocked, report mode counts, non-HTML
 * passes untouched, and a middleware created without `selfHandleResponse` is refused saying so.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { constants, gunzipSync } from 'node:zlib'
import express from 'express'
import { createProxyMiddleware, type Options } from 'http-proxy-middleware'
import { Registry } from 'prom-client'
import t from 'tap'
import { httpProxyMiddlewarePlugin, type HttpProxyMiddlewarePlugin } from '../src/entries/embed.js'
import { InvalidOptionError } from '../src/index.js'
import {
  EVIL,
  INJECTION,
  SHAPES,
  WHOLE,
  blockPolicy,
  cleanPrefix,
  comparable,
  count,
  exchange,
  header,
  reportPolicy,
  serve,
  shapes,
} from './helpers/embed.js'
import type { RawResponse } from './helpers/proxy.js'

type Test = { teardown: (fn: () => unknown) => void }

const JSON_BODY = JSON.stringify({ html: INJECTION })

function origin(req: IncomingMessage, res: ServerResponse): void {
  switch (req.url) {
    case '/json':
      // Not HTML, though it holds markup the policy refuses: it passes untouched.
      res.writeHead(200, { 'Content-Type': 'application/json', 'X-Origin': 'yes' })
      return void res.end(JSON_BODY)
    case '/reset':
      // The upstream dies mid-body, after a first part the gate releases.
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.write('<!doctype html><title>x</title><p>half a page</p>')
      return void setImmediate(() => res.socket?.destroy())
    default:
      shapes(req, res)
  }
}

/**
 * Express with hpm in front of the origin: with the plugin when one is given, else hpm alone — with
 * `preserveHeaderKeyCase`, so that it too forwards header names as the origin wrote them.
 */
async function start(t: Test, plugin?: HttpProxyMiddlewarePlugin, originPort?: number) {
  const upstream = originPort ?? (await serve(t, origin))
  const options: Options = { target: `http://127.0.0.1:${upstream}` }
  const app = express()
  app.use(
    createProxyMiddleware(
      plugin === undefined
        ? { ...options, preserveHeaderKeyCase: true }
        : { ...options, selfHandleResponse: true, plugins: [plugin] },
    ),
  )
  return { originPort: upstream, port: await serve(t, createServer(app)) }
}

/** Whether any of the injected element reached the client: on the wire, or in the de-chunked, decoded body. */
function holdsElement(response: RawResponse): boolean {
  const gzip = header(response, 'content-encoding') === 'gzip'
  const body = gzip ? gunzipSync(response.body, { finishFlush: constants.Z_SYNC_FLUSH }) : response.body
  return response.raw.includes(EVIL) || body.includes(EVIL)
}

/** The end-to-end part of a response (RFC 9110 §7.6.1): hop-by-hop fields, Date and framing aside. */
function endToEnd(response: RawResponse) {
  const c = comparable(response)
  const hop = ['connection', 'keep-alive', 'transfer-encoding']
  return { ...c, headers: c.headers.filter(([n]) => !hop.includes(n.toLowerCase())), chunked: undefined }
}

t.test('a clean response is what hpm alone forwards, byte for byte', async (t) => {
  const { originPort, port } = await start(t, httpProxyMiddlewarePlugin({ policy: blockPolicy() }))
  const plain = await start(t, undefined, originPort)
  for (const shape of SHAPES) {
    const want = endToEnd(await exchange(plain.port, `/${shape}`))
    const got = endToEnd(await exchange(port, `/${shape}`))
    t.same(got, want, shape)
    t.ok(got.complete, `${shape}: ended as framed`)
    t.equal(got.body.length > 0, shape !== 'empty', `${shape}: a body, unless empty`)
  }
  // The comparison sees what it should: Express's header, the origin's names in their case.
  const end = endToEnd(await exchange(port, '/end'))
  t.same(end.headers.slice(0, 3), [
    ['X-Powered-By', 'Express'],
    ['Content-Type', 'text/html; charset=utf-8'],
    ['X-Frame-Options', 'DENY'],
  ])
})

t.test('an injected page is the 502 block page, nothing of the element sent', async (t) => {
  const registry = new Registry()
  const seen: string[] = []
  const plugin = httpProxyMiddlewarePlugin({
    policy: blockPolicy(),
    registry,
    onViolation: (v, req) => seen.push(`${v.directive} ${req.url}`),
  })
  const { port } = await start(t, plugin)
  for (const shape of WHOLE) {
    const response = await exchange(port, `/${shape}/injected`)
    t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', `${shape}: 502`)
    t.match(response.body.toString(), /502 Blocked/, `${shape}: the block page`)
    t.notOk(holdsElement(response), `${shape}: no byte of the element`)
  }
  for (const shape of SHAPES.filter((s) => s !== 'empty' && !WHOLE.includes(s))) {
    // Bodies the gate releases in parts: a 502 when the element comes before any release, else a cut.
    const response = await exchange(port, `/${shape}/injected`)
    t.notOk(holdsElement(response), `${shape}: no byte of the element`)
    if (!response.statusLine.includes(' 502 ')) {
      t.notOk(response.complete, `${shape}: cut`)
      t.ok(cleanPrefix(response.body), `${shape}: the clean part only`)
    }
  }
  t.equal(seen.length, SHAPES.length - 1, 'each violation seen, with its request')
  t.ok(
    seen.every((s) => /^frame-src \/[\w-]+\/injected$/.test(s)),
    seen.join(', '),
  )
  t.equal(await count(registry, 'tagwarden_violations_total', { action: 'blocked' }), SHAPES.length - 1)
})

t.test('report: forwarded as hpm alone forwards it, and counted', async (t) => {
  const registry = new Registry()
  const seen: string[] = []
  const plugin = httpProxyMiddlewarePlugin({
    policy: reportPolicy(),
    registry,
    site: 'hpm',
    onViolation: (v, req) => seen.push(`${v.directive} ${(req as { originalUrl?: string }).originalUrl}`),
  })
  const { originPort, port } = await start(t, plugin)
  const plain = await start(t, undefined, originPort)
  for (const path of ['/end/injected', '/small-writes/injected']) {
    const response = await exchange(port, path)
    t.same(endToEnd(response), endToEnd(await exchange(plain.port, path)), path)
    t.ok(holdsElement(response), `${path}: the element reaches the client in report mode`)
  }
  t.same(seen, ['frame-src /end/injected', 'frame-src /small-writes/injected'], "Express's request")
  const site = { site: 'hpm' }
  t.equal(await count(registry, 'tagwarden_violations_total', { ...site, action: 'reported' }), 2)
  t.equal(await count(registry, 'tagwarden_violations_total', { ...site, action: 'blocked' }), 0)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'violation' }), 2)
  t.equal(await count(registry, 'tagwarden_inspection_seconds_count', site), 2)
})

t.test('non-HTML passes untouched and is counted skipped', async (t) => {
  const registry = new Registry()
  const { originPort, port } = await start(t, httpProxyMiddlewarePlugin({ policy: blockPolicy(), registry }))
  const plain = await start(t, undefined, originPort)
  const got = await exchange(port, '/json')
  t.same(endToEnd(got), endToEnd(await exchange(plain.port, '/json')), 'as hpm alone forwards it')
  t.equal(got.statusLine, 'HTTP/1.1 200 OK')
  t.equal(got.body.toString(), JSON_BODY, 'the markup in it is not inspected')
  t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'skipped' }), 1)
  t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'violation' }), 0)
})

t.test('an upstream that fails mid-body: cut and counted, next to hpm’s own plugins', async (t) => {
  const registry = new Registry()
  const { port } = await start(t, httpProxyMiddlewarePlugin({ policy: blockPolicy(), registry }))
  const response = await exchange(port, '/reset')
  t.equal(response.statusLine, 'HTTP/1.1 200 OK')
  t.match(response.body.toString(), /half a page/, 'the released part went out')
  t.notOk(response.complete, 'never ended cleanly')
  t.notMatch(response.raw.toString(), /Error occurred while trying to proxy/, 'hpm wrote nothing into it')
  t.equal(await count(registry, 'tagwarden_upstream_errors_total', { kind: 'reset' }), 1)
  t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'error' }), 1)
})

t.test('without selfHandleResponse: true, createProxyMiddleware throws saying what to set', async (t) => {
  const plugin = httpProxyMiddlewarePlugin({ policy: blockPolicy() })
  await plugin.ready
  const message =
    'httpProxyMiddlewarePlugin: create the middleware with createProxyMiddleware({ ' +
    'selfHandleResponse: true, … }), or http-proxy-middleware sends responses itself'
  for (const selfHandleResponse of [undefined, false]) {
    let error: unknown
    try {
      createProxyMiddleware({ target: 'http://127.0.0.1:9', selfHandleResponse, plugins: [plugin] })
    } catch (thrown) {
      error = thrown
    }
    t.type(error, InvalidOptionError, `selfHandleResponse: ${selfHandleResponse}`)
    t.equal((error as InvalidOptionError | undefined)?.code, 'TW_ERR_INVALID_OPTION')
    t.equal((error as Error | undefined)?.message, message)
  }
  t.doesNotThrow(() =>
    createProxyMiddleware({ target: 'http://127.0.0.1:9', selfHandleResponse: true, plugins: [plugin] }),
  )
})
