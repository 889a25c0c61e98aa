/**
 * Blocks are never silent (issue 12): every face logs each violation and each block with the lines of
 * `tagwarden proxy` — the same `msg` and fields — to the `logger` option, else to the request's own
 * logger (Fastify's `request.log`, pino-http's `req.log`); a logger that throws changes no response.
 * Real servers on 127.0.0.1 port 0, real pino loggers writing to arrays.
 */
import { createServer, type IncomingMessage, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import express from 'express'
import Fastify, { type FastifyInstance } from 'fastify'
import httpProxy from 'http-proxy'
import pino from 'pino'
import t from 'tap'
import {
  attachInspector,
  fastifyTagwarden,
  inspectResponse,
  middleware,
  wrapHandler,
  type EmbedLogger,
  type EmbedOptions,
} from '../src/entries/embed.js'
import { InvalidOptionError } from '../src/index.js'
import {
  EVIL,
  INJECTION,
  blockPolicy,
  exchange,
  fetchListener,
  page,
  reportPolicy,
  request,
  serve,
} from './helpers/embed.js'
import { parseResponse, rawRequest, startProxy, startUpstream, until } from './helpers/proxy.js'

type Test = Parameters<typeof serve>[0]
type Line = Record<string, unknown>

const FACES = ['wrapHandler', 'middleware', 'fastifyTagwarden', 'attachInspector', 'inspectResponse'] as const
type Face = (typeof FACES)[number]

/** A real pino logger writing JSON lines into `lines` (and the raw text into `raw`), and its stream. */
function collector(level = 'debug') {
  const lines: Line[] = []
  const raw: string[] = []
  const stream = { write: (s: string) => void (raw.push(s), lines.push(JSON.parse(s) as Line)) }
  return { logger: pino({ level }, stream), lines, raw, stream }
}

const injectedPage = page(INJECTION)
/** `/slow/injected`: the page up to the element, then — once the client has seen that — the rest. */
const START = injectedPage.slice(0, injectedPage.indexOf(INJECTION))
const REST = injectedPage.slice(START.length)

const waiting: (() => void)[] = []
const clientSawStart = (): Promise<void> => new Promise((resolve) => waiting.push(resolve))
/** A client that lets the slow response go on once the clean start has reached it. */
function getSlow(port: number): Promise<Buffer> {
  return rawRequest(port, request('GET', '/slow/injected'), (sofar) => {
    if (sofar.includes('Welcome')) for (const release of waiting.splice(0)) release()
  })
}

/** `/page`, `/page/injected`, `/slow/injected` as a node:http handler. */
const pages: RequestListener = (req, res) => {
  if (req.url === '/slow/injected') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.write(START)
    void clientSawStart().then(() => res.end(REST))
    return
  }
  res.setHeader('Content-Type', 'text/html; charset=utf-8')
  res.end(page(req.url === '/page/injected' ? INJECTION : ''))
}

/** The same routes as a fetch handler. */
function render(request: Request): Response {
  const { pathname } = new URL(request.url)
  const headers = { 'content-type': 'text/html; charset=utf-8' }
  if (pathname !== '/slow/injected')
    return new Response(page(pathname === '/page/injected' ? INJECTION : ''), { headers })
  const parts = [START, REST]
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (parts.length === 1) await clientSawStart()
      const next = parts.shift()
      if (next === undefined) controller.close()
      else controller.enqueue(Buffer.from(next))
    },
  })
  return new Response(body, { headers })
}

/** Set on each Node request before tagwarden sees it (as pino-http sets `req.id` and `req.log`). */
type Decorate = (req: IncomingMessage) => void

/** `face` serving the routes, with tagwarden's `options`. */
async function startFace(
  t: Test,
  face: Face,
  options: EmbedOptions<never>,
  decorate: Decorate = () => {},
): Promise<number> {
  const opts = options as EmbedOptions<unknown>
  switch (face) {
    case 'wrapHandler': {
      const wrapped = wrapHandler(pages, opts)
      return serve(t, (req, res) => {
        decorate(req)
        return wrapped(req, res)
      })
    }
    case 'middleware': {
      const app = express()
      app.use((req, _res, next) => {
        decorate(req)
        next()
      })
      app.use(middleware(opts))
      app.use(pages)
      return serve(t, createServer(app))
    }
    case 'fastifyTagwarden': {
      const app = Fastify()
      await app.register(fastifyTagwarden, opts)
      fastifyRoutes(app)
      return listenFastify(t, app)
    }
    case 'attachInspector': {
      const origin = await serve(t, pages)
      const proxy = httpProxy.createProxyServer({
        target: `http://127.0.0.1:${origin}`,
        selfHandleResponse: true,
      })
      t.teardown(() => proxy.close())
      attachInspector(proxy, opts)
      return serve(t, (req, res) => {
        decorate(req)
        proxy.web(req, res, {}, () => res.destroy())
      })
    }
    case 'inspectResponse':
      return serve(
        t,
        fetchListener(async (request) => inspectResponse(render(request), { ...opts, request })),
      )
  }
}

function fastifyRoutes(app: FastifyInstance): void {
  const html = 'text/html; charset=utf-8'
  app.get('/page', async (_req, reply) => reply.type(html).send(page()))
  app.get('/page/injected', async (_req, reply) => reply.type(html).send(injectedPage))
  app.get('/slow/injected', async (_req, reply) => {
    async function* body() {
      yield Buffer.from(START)
      await clientSawStart()
      yield Buffer.from(REST)
    }
    return reply.type(html).send(Readable.from(body(), { objectMode: false }))
  })
}

async function listenFastify(t: Test, app: FastifyInstance): Promise<number> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return (app.server.address() as AddressInfo).port
}

/** The fields every line of a response carries, and a violation line's own, as the proxy writes them. */
const violationLine = (action: string): Line => ({
  level: 40,
  msg: 'violation',
  site: 'shop',
  method: 'GET',
  directive: 'frame-src',
  element: 'iframe',
  attribute: 'src',
  url: `http://${EVIL}/x`,
  line: Number,
  column: Number,
  action,
})

const byMsg = (lines: Line[], msg: string | RegExp): Line[] =>
  lines.filter((l) => (typeof msg === 'string' ? l.msg === msg : msg.test(String(l.msg))))

t.test('each face logs a block: its violation, then the block, with one request id', async (t) => {
  for (const face of FACES) {
    const { logger, lines } = collector()
    const port = await startFace(t, face, { policy: blockPolicy(), logger, site: 'shop' })
    const response = await exchange(port, '/page/injected')
    t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', `${face}: blocked`)
    t.equal(lines.length, 2, `${face}: two lines`)
    const [violation, block] = lines as [Line, Line]
    t.match(violation, { ...violationLine('blocked'), reqId: String, path: '/page/injected' }, face)
    t.match(
      block,
      {
        level: 40,
        msg: 'response blocked: it holds an element the policy does not allow',
        code: 'TW_ERR_BLOCKED',
        cut: false,
        reqId: violation.reqId,
        site: 'shop',
        method: 'GET',
        path: '/page/injected',
      },
      face,
    )
    t.match(
      response.body.toString(),
      `Request ID: ${String(violation.reqId)}`,
      `${face}: the block page's id`,
    )
  }
})

t.test('each face logs a reported violation, and no block', async (t) => {
  for (const face of FACES) {
    const { logger, lines } = collector()
    const port = await startFace(t, face, { policy: reportPolicy(), logger, site: 'shop' })
    const response = await exchange(port, '/page/injected')
    t.match(response.statusLine, /^HTTP\/1\.1 200 /, `${face}: passed`)
    t.equal(response.body.toString(), injectedPage, `${face}: whole`)
    // In report the page may be sent before its inspection ends.
    await until(() => lines.length > 0, `${face}'s violation line`)
    t.match(lines, [{ ...violationLine('reported'), reqId: String, path: '/page/injected' }], face)
    t.same(byMsg(lines, /blocked/), [], `${face}: no block line`)
  }
})

t.test('each face logs a block after the head went out as a cut', async (t) => {
  for (const face of FACES) {
    const { logger, lines } = collector()
    const port = await startFace(t, face, { policy: blockPolicy(), logger, site: 'shop' })
    const response = parseResponse(await getSlow(port))
    t.match(response.statusLine, /^HTTP\/1\.1 200 /, `${face}: the head had gone out`)
    t.notOk(response.complete, `${face}: cut`)
    t.notOk(response.raw.includes(EVIL), `${face}: nothing of the element`)
    await until(() => lines.some((l) => l.code !== undefined), `${face}'s block line`)
    t.match(
      lines,
      [
        { ...violationLine('blocked'), path: '/slow/injected' },
        { level: 40, code: 'TW_ERR_BLOCKED', cut: true, path: '/slow/injected' },
      ],
      face,
    )
  }
})

t.test("the lines are the proxy's: the same msg, fields and values", async (t) => {
  const upstream = await startUpstream(t, pages)
  const proxy = await startProxy(t, {
    sites: [{ name: 'shop', hosts: ['*'], target: upstream.url, policy: blockPolicy() }],
  })
  await exchange(proxy.port, '/page/injected')
  await until(() => byMsg(proxy.logs, 'request').length > 0, "the proxy's access line")
  const fromProxy = proxy.logs.filter((l) => l.level === 40)
  t.equal(fromProxy.length, 2, 'the proxy: a violation and a block')
  // What differs between two processes, two requests: when, where, and the request id.
  const comparable = ({ time, pid, hostname, reqId, ...rest }: Line): Line => {
    void [time, pid, hostname, reqId]
    return rest
  }
  for (const face of FACES) {
    const { logger, lines } = collector()
    const port = await startFace(t, face, { policy: blockPolicy(), logger, site: 'shop' })
    await exchange(port, '/page/injected')
    t.same(lines.map(comparable), fromProxy.map(comparable), face)
    t.ok(
      lines.every((l) => typeof l.reqId === 'string'),
      `${face}: a reqId, as the proxy's`,
    )
  }
})

t.test('Fastify without a logger option logs to request.log, its reqId once', async (t) => {
  const { lines, raw, stream } = collector()
  const app = Fastify({ logger: { level: 'info', stream } })
  await app.register(fastifyTagwarden, { policy: blockPolicy(), site: 'shop' })
  fastifyRoutes(app)
  const port = await listenFastify(t, app)
  const response = await exchange(port, '/page/injected')
  t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway')
  const [violation] = byMsg(lines, 'violation')
  t.match(violation, { ...violationLine('blocked'), reqId: /^req-/, path: '/page/injected' })
  t.match(byMsg(lines, /^response blocked/), [
    { code: 'TW_ERR_BLOCKED', cut: false, reqId: violation!.reqId },
  ])
  t.match(response.body.toString(), `Request ID: ${String(violation!.reqId)}`)
  await until(() => byMsg(lines, 'request completed').length > 0, "Fastify's own line")
  t.equal(byMsg(lines, 'request completed')[0]!.reqId, violation!.reqId, "Fastify's request id")
  const tagwardens = raw.filter((s) => s.includes('"site":"shop"'))
  t.equal(tagwardens.length, 2)
  for (const s of tagwardens) t.equal(s.split('"reqId"').length, 2, 'reqId written once')
  // Fastify's logger fits the logger option's type as it is.
  const typed: EmbedLogger = app.log
  t.ok(typed)
})

t.test('Fastify with a logger option: the lines go there, not to request.log', async (t) => {
  const own = collector()
  const given = collector()
  const app = Fastify({ logger: { level: 'info', stream: own.stream } })
  await app.register(fastifyTagwarden, { policy: blockPolicy(), site: 'shop', logger: given.logger })
  fastifyRoutes(app)
  const port = await listenFastify(t, app)
  await exchange(port, '/page/injected')
  t.equal(given.lines.length, 2, 'the violation and the block')
  t.match(given.lines[0], { reqId: /^req-/ }, "Fastify's request id")
  await until(() => byMsg(own.lines, 'request completed').length > 0, "Fastify's own line")
  t.same(byMsg(own.lines, 'violation'), [], 'none in request.log')
})

t.test('a Node face without a logger option logs to req.log, as pino-http sets it', async (t) => {
  for (const face of ['wrapHandler', 'middleware', 'attachInspector'] as const) {
    const { logger, lines } = collector()
    let next = 41
    // What pino-http does for each request: an id, and a child logger carrying it.
    const asPinoHttp: Decorate = (req) => {
      const id = ++next
      Object.assign(req, { id, log: logger.child({ req: { id, method: req.method, url: req.url } }) })
    }
    const port = await startFace(t, face, { policy: blockPolicy(), site: 'shop' }, asPinoHttp)
    const response = await exchange(port, '/page/injected')
    t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', face)
    t.match(response.body.toString(), 'Request ID: 42', `${face}: the block page shows req.id`)
    t.match(
      lines,
      [
        { ...violationLine('blocked'), req: { id: 42 } },
        { code: 'TW_ERR_BLOCKED', req: { id: 42 } },
      ],
      face,
    )
    t.notOk(
      lines.some((l) => 'reqId' in l),
      `${face}: the request's logger carries its id: no reqId added`,
    )
  }
})

t.test('a logger option wins over req.log, and the lines carry req.id', async (t) => {
  const own = collector()
  const given = collector()
  const decorate: Decorate = (req) => Object.assign(req, { id: 'abc', log: own.logger })
  const port = await startFace(t, 'wrapHandler', { policy: blockPolicy(), logger: given.logger }, decorate)
  await exchange(port, '/page/injected')
  t.equal(own.lines.length, 0)
  t.match(given.lines, [
    { msg: 'violation', reqId: 'abc' },
    { code: 'TW_ERR_BLOCKED', reqId: 'abc' },
  ])
})

t.test('a logger that throws leaves every response intact, and is reported', async (t) => {
  const warnings: (Error & { code?: string })[] = []
  const onWarning = (warning: Error): number => warnings.push(warning)
  process.on('warning', onWarning)
  t.teardown(() => void process.off('warning', onWarning))
  const fail = (): never => {
    throw new Error('the log service is down')
  }
  const throwing: EmbedLogger = { info: fail, warn: fail, error: fail, debug: fail }
  for (const face of FACES) {
    const before = warnings.length
    const blocking = await startFace(t, face, { policy: blockPolicy(), logger: throwing })
    const blocked = await exchange(blocking, '/page/injected')
    t.equal(blocked.statusLine, 'HTTP/1.1 502 Bad Gateway', `${face}: still blocked`)
    t.ok(blocked.complete, `${face}: the block page whole`)
    t.match(blocked.body.toString(), /502 Blocked/)
    const clean = await exchange(blocking, '/page')
    t.equal(clean.body.toString(), page(), `${face}: a clean page as ever`)
    const reporting = await startFace(t, face, { policy: reportPolicy(), logger: throwing })
    const reported = await exchange(reporting, '/page/injected')
    t.match(reported.statusLine, /^HTTP\/1\.1 200 /, `${face}: report passes`)
    t.equal(reported.body.toString(), injectedPage, `${face}: whole`)
    // A violation and a block, then a reported violation: one warning each.
    await until(() => warnings.length >= before + 3, `${face}'s warnings`)
    t.match(warnings.slice(before), [
      { code: 'TW_WARN_LOGGER', message: /the log service is down/ },
      { code: 'TW_WARN_LOGGER' },
      { code: 'TW_WARN_LOGGER' },
    ])
  }
})

t.test('options.logger must be a logger', async (t) => {
  for (const logger of [{}, { warn: () => {} }, 'stdout']) {
    t.throws(
      () => wrapHandler(pages, { policy: blockPolicy(), logger: logger as unknown as EmbedLogger }),
      InvalidOptionError,
    )
  }
  const plain: EmbedLogger = { info() {}, warn() {}, error() {}, debug() {} }
  t.ok(middleware({ policy: blockPolicy(), logger: plain }), 'any object with the four methods')
})
