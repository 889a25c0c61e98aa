/**
 * The proxy's access line (issue 12): one `info` line per request — clean, blocked, cut, not
 * inspected, and the proxy's own 421 and 400 — with the verdict, the bytes sent and the request id
 * the response shows; none at `warn`, where blocks are still logged.
 */
import { gzipSync } from 'node:zlib'
import pino from 'pino'
import t from 'tap'
import { INJECTION, blockPolicy, page } from './helpers/proxy-pages.js'
import {
  get,
  parseResponse,
  rawRequest,
  startProxy,
  startUpstream,
  until,
  type RawResponse,
} from './helpers/proxy.js'

type Test = Parameters<typeof startUpstream>[0]
type Line = Record<string, unknown>

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const ACCESS_FIELDS = [
  'bytes',
  'complete',
  'durationMs',
  'host',
  'hostname',
  'level',
  'method',
  'msg',
  'path',
  'pid',
  'reqId',
  'site',
  'status',
  'time',
  'verdict',
]

const injected = page(INJECTION)
/** `/slow/injected`: the page up to the element, then — once the client has seen that — the rest. */
const START = injected.slice(0, injected.indexOf(INJECTION))
let releaseSlow: (() => void) | undefined

async function start(t: Test, logger?: pino.Logger) {
  const upstream = await startUpstream(t, (req, res) => {
    switch (req.url?.split('?')[0]) {
      case '/clean':
        return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page())
      case '/injected':
        return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(injected)
      case '/gzip':
        return void res
          .writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' })
          .end(gzipSync(page()))
      case '/data.json':
        return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"html":"<iframe>"}')
      case '/slow/injected':
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        res.write(START)
        releaseSlow = () => res.end(injected.slice(START.length))
        return
      default:
        res.writeHead(404).end()
    }
  })
  return startProxy(t, {
    sites: [{ name: 'shop', hosts: ['shop.example'], target: upstream.url, policy: blockPolicy() }],
    ...(logger && { logger }),
  })
}

async function send(port: number, request: string): Promise<RawResponse> {
  return parseResponse(
    await rawRequest(port, request, (sofar) => {
      if (sofar.includes('Welcome')) releaseSlow?.()
    }),
  )
}

const accessLines = (logs: Line[]): Line[] => logs.filter((l) => l.msg === 'request')

/** The access line of the request whose response is `response`, once written. */
async function accessLine(logs: Line[], count: number): Promise<Line> {
  await until(() => accessLines(logs).length >= count, `access line ${count}`)
  return accessLines(logs)[count - 1]!
}

t.test('clean, blocked and not inspected: one access line each, with its fields', async (t) => {
  const proxy = await start(t)
  const clean = await send(proxy.port, get('/clean?token=secret', 'shop.example'))
  const line = await accessLine(proxy.logs, 1)
  t.same(Object.keys(line).sort(), ACCESS_FIELDS, 'the fields of the line')
  t.match(line, {
    level: 30,
    msg: 'request',
    reqId: UUID,
    site: 'shop',
    method: 'GET',
    host: 'shop.example',
    path: '/clean',
    status: 200,
    verdict: 'clean',
    bytes: clean.body.length,
    complete: true,
    durationMs: Number,
  })
  t.ok((line.durationMs as number) > 0, 'a duration')
  t.notMatch(JSON.stringify(line), 'secret', 'no query string')
  t.equal(clean.body.toString(), page())

  const gzip = await send(proxy.port, get('/gzip', 'shop.example'))
  t.match(await accessLine(proxy.logs, 2), {
    path: '/gzip',
    verdict: 'clean',
    bytes: gzipSync(page()).length,
  })
  t.equal(gzip.body.length, gzipSync(page()).length, 'bytes as sent: compressed')

  const blocked = await send(proxy.port, get('/injected', 'shop.example'))
  t.equal(blocked.statusLine, 'HTTP/1.1 502 Bad Gateway')
  const blockLine = await accessLine(proxy.logs, 3)
  t.match(blockLine, {
    path: '/injected',
    status: 502,
    verdict: 'violation',
    bytes: blocked.body.length,
    complete: true,
  })
  t.match(blocked.body.toString(), `Request ID: ${String(blockLine.reqId)}`, "the block page's id")
  const violation = proxy.logs.find((l) => l.msg === 'violation')
  t.equal(violation?.reqId, blockLine.reqId, "the violation's id")

  const json = await send(proxy.port, get('/data.json', 'shop.example'))
  t.match(await accessLine(proxy.logs, 4), {
    path: '/data.json',
    status: 200,
    verdict: 'skipped',
    bytes: json.body.length,
    complete: true,
  })
  t.equal(accessLines(proxy.logs).length, 4, 'one line per request')
  t.equal(new Set(accessLines(proxy.logs).map((l) => l.reqId)).size, 4, 'each its own id')
})

t.test('a block after the head went out: the status sent, a cut', async (t) => {
  const proxy = await start(t)
  const response = await send(proxy.port, get('/slow/injected', 'shop.example'))
  t.equal(response.statusLine, 'HTTP/1.1 200 OK')
  t.notOk(response.complete)
  t.match(await accessLine(proxy.logs, 1), {
    path: '/slow/injected',
    status: 200,
    verdict: 'violation',
    bytes: response.body.length,
    complete: false,
  })
  t.ok(response.body.length > 0, 'the clean start was sent, and counted')
})

t.test("the proxy's own 421 and 400 are logged, with the id their body shows", async (t) => {
  const proxy = await start(t)
  const misdirected = await send(proxy.port, get('/x?q=1', 'other.example'))
  t.equal(misdirected.statusLine, 'HTTP/1.1 421 Misdirected Request')
  const line = await accessLine(proxy.logs, 1)
  t.same(
    Object.keys(line).sort(),
    ACCESS_FIELDS.filter((f) => f !== 'site'),
    'no site: none answers that Host',
  )
  t.match(line, {
    level: 30,
    msg: 'request',
    reqId: UUID,
    method: 'GET',
    host: 'other.example',
    path: '/x',
    status: 421,
    verdict: 'skipped',
    bytes: misdirected.body.length,
    complete: true,
  })
  t.match(misdirected.body.toString(), `(request ${String(line.reqId)})`)

  const noHost = await send(proxy.port, 'GET /y HTTP/1.0\r\n\r\n')
  t.equal(noHost.statusLine, 'HTTP/1.1 400 Bad Request')
  const bad = await accessLine(proxy.logs, 2)
  t.match(bad, { status: 400, path: '/y', verdict: 'skipped', bytes: noHost.body.length })
  t.notOk('host' in bad || 'site' in bad, 'no Host, no site')
  t.match(noHost.body.toString(), `(request ${String(bad.reqId)})`)
})

t.test('at level warn: no access line; violations and blocks are still logged', async (t) => {
  const logs: Line[] = []
  const logger = pino({ level: 'warn' }, { write: (s: string) => void logs.push(JSON.parse(s) as Line) })
  const proxy = await start(t, logger)
  t.equal((await send(proxy.port, get('/clean', 'shop.example'))).statusLine, 'HTTP/1.1 200 OK')
  t.equal((await send(proxy.port, get('/', 'other.example'))).statusLine, 'HTTP/1.1 421 Misdirected Request')
  t.equal((await send(proxy.port, get('/injected', 'shop.example'))).statusLine, 'HTTP/1.1 502 Bad Gateway')
  await until(() => logs.length >= 2, 'the violation and the block')
  // The clean request and the 421 ended before the block: their lines would be here by now.
  await until(() => proxy.proxy.inFlight === 0, 'the exchanges to end')
  t.same(
    logs.map((l) => l.msg),
    ['violation', 'response blocked: it holds an element the policy does not allow'],
  )
  t.ok(
    logs.every((l) => (l.level as number) >= 40),
    'nothing below warn',
  )
})
