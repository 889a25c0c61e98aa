/**
 * Headers the proxy need not hold go out with the first body bytes (one socket write), or alone when
 * the upstream is slow to send any: a client of a streaming response sees them before the body.
 */
import t from 'tap'
import type { Policy } from '../src/index.js'
import { get, parseResponse, rawRequest, startProxy, startUpstream } from './helpers/proxy.js'
import { blockPolicy, reportPolicy } from './helpers/proxy-pages.js'

const CASES: [string, string, Policy][] = [
  ['text/event-stream, not inspected', 'text/event-stream', blockPolicy()],
  ['HTML in report', 'text/html; charset=utf-8', reportPolicy()],
]

for (const [name, type, policy] of CASES) {
  t.test(`${name}: headers before a slow first body byte`, async (t) => {
    let sawHeaders!: (seen: boolean) => void
    const headersSeen = new Promise<boolean>((resolve) => (sawHeaders = resolve))
    const giveUp = setTimeout(() => sawHeaders(false), 2000)
    t.teardown(() => clearTimeout(giveUp))
    const upstream = await startUpstream(t, (_req, res) => {
      res.writeHead(200, { 'content-type': type })
      res.flushHeaders()
      // The body starts only once the client has the headers (or after 2 s, and the test fails).
      void headersSeen.then(() => res.end('<!doctype html><p>data: 1</p>'))
    })
    const proxy = await startProxy(t, { sites: [{ name: 'site', target: upstream.url, policy }] })
    const raw = await rawRequest(proxy.port, get('/'), (sofar) => {
      if (sofar.includes('\r\n\r\n')) sawHeaders(true)
    })
    t.ok(await headersSeen, 'the headers arrived before any body byte was sent')
    const response = parseResponse(raw)
    t.equal(response.statusLine, 'HTTP/1.1 200 OK')
    t.equal(response.body.toString(), '<!doctype html><p>data: 1</p>')
  })
}
