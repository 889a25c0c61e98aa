/**
 * A client that leaves mid-response, through every face: the response is counted as an `error`, and
 * no socket, timer or listener of that exchange is left behind. (A file of its own, so that no other
 * test's sockets or timers blur the baseline.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { connect } from 'node:net'
import { Readable } from 'node:stream'
import express from 'express'
import Fastify from 'fastify'
import httpProxy from 'http-proxy'
import { Registry } from 'prom-client'
import t from 'tap'
import {
  attachInspector,
  fastifyTagwarden,
  inspectResponse,
  middleware,
  wrapHandler,
} from '../src/entries/embed.js'
import { blockPolicy, count, fetchListener, request, serve } from './helpers/embed.js'
import { until } from './helpers/proxy.js'

/** The assertions `leave` makes (a tap subtest has them all). */
interface Test {
  teardown(fn: () => unknown): void
  pass(message: string): unknown
  ok(value: unknown, message: string): unknown
  equal(found: unknown, wanted: unknown, message: string): unknown
}

/** Complete tokens with a charset: the gate releases them at once. */
const PREFIX = '<!doctype html><html><head><meta charset="utf-8"><title>x</title></head><body><p>hello</p>'
const HTML = { 'Content-Type': 'text/html; charset=utf-8' }

/** Sockets and timers alive in this process. */
function resources(): string {
  const counts: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'Timeout') counts[r] = (counts[r] ?? 0) + 1
  }
  return JSON.stringify(counts)
}

/** Listener counts per event; what an exchange may leave is compared against this. */
function listeners(emitter: NodeJS.EventEmitter): Record<string, number> {
  return Object.fromEntries(emitter.eventNames().map((e) => [String(e), emitter.listenerCount(e)]))
}

/** What the server side of an exchange lets the test watch. */
interface Watched {
  res: ServerResponse
  before: Record<string, number>
  closed: Promise<void>
}

function watcher() {
  let resolve!: (w: Watched) => void
  const seen = new Promise<Watched>((r) => (resolve = r))
  return {
    seen,
    /** Call first thing in the request listener, before tagwarden touches `res`. */
    watch(res: ServerResponse) {
      const closed = new Promise<void>((r) => res.once('close', () => r()))
      resolve({ res, before: listeners(res), closed })
    },
  }
}

/** Connect, wait for the start of the page, leave; then wait for everything to settle. */
async function leave(
  t: Test,
  port: number,
  w: ReturnType<typeof watcher>,
  registry: Registry,
  ownsResponse = true,
  /** When to leave once the start has arrived (the client stops reading meanwhile). Default: at once. */
  moment?: Promise<void>,
) {
  const socket = connect(port, '127.0.0.1')
  const seen = new Promise<void>((resolve) =>
    socket.on('data', (d: Buffer) => {
      if (!d.includes('hello')) return
      socket.pause()
      resolve()
    }),
  )
  socket.write(request('GET', '/', { Connection: 'keep-alive' }))
  await seen
  await moment
  socket.destroy()
  const { res, before, closed } = await w.seen
  await closed
  t.pass('the server saw the response closed')
  await until(() => resources() === '{}', 'sockets and timers back to none')
  t.equal(resources(), '{}', 'no socket or timer left behind')
  if (ownsResponse) {
    for (const [event, n] of Object.entries(listeners(res))) {
      t.ok(n <= (before[event] ?? 0), `no '${event}' listener left`)
    }
    t.equal(res.listenerCount('drain'), 0, "no 'drain' listener left")
  }
  // The verdict settles once the inspector is destroyed; nothing signals it outside, so poll.
  let counted = 0
  const deadline = Date.now() + 10_000
  while ((counted = await count(registry, 'tagwarden_responses_total', { verdict: 'error' })) === 0) {
    if (Date.now() > deadline) break
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.equal(counted, 1, 'counted as an error')
}

/** A body that gives its start, then waits until it is destroyed. */
function hanging(): Readable {
  return new Readable({
    read() {
      if (this.readableLength === 0 && !(this as { started?: boolean }).started) {
        ;(this as { started?: boolean }).started = true
        this.push(PREFIX)
      }
    },
  })
}

t.beforeEach(() => until(() => resources() === '{}', 'a quiet start'))

t.test('wrapHandler', async (t) => {
  const registry = new Registry()
  const w = watcher()
  const wrapped = wrapHandler(
    (_req, res: ServerResponse) => {
      res.writeHead(200, HTML)
      res.write(PREFIX)
    },
    { policy: blockPolicy(), registry },
  )
  const port = await serve(t, (req: IncomingMessage, res: ServerResponse) => {
    w.watch(res)
    wrapped(req, res)
  })
  await leave(t, port, w, registry)
})

t.test('wrapHandler, while the response waits for the client to drain', async (t) => {
  const registry = new Registry()
  const w = watcher()
  let refused!: () => void
  const full = new Promise<void>((resolve) => (refused = resolve))
  const wrapped = wrapHandler(
    (_req, res: ServerResponse) => {
      res.writeHead(200, HTML)
      res.write(PREFIX)
      // Write until the socket is full (the client has stopped reading): tagwarden's own write to
      // it was refused and waits for 'drain'. Then wait for nothing.
      const filler = `<p>${'x'.repeat(65536)}</p>`
      void (async () => {
        while (!res.socket?.writableNeedDrain) {
          res.write(filler)
          await new Promise((resolve) => setImmediate(resolve))
        }
        refused()
      })()
    },
    { policy: blockPolicy(), registry },
  )
  const port = await serve(t, (req: IncomingMessage, res: ServerResponse) => {
    w.watch(res)
    wrapped(req, res)
  })
  await leave(t, port, w, registry, true, full)
})

t.test('middleware', async (t) => {
  const registry = new Registry()
  const w = watcher()
  const app = express()
  app.use((_req, res, next) => {
    w.watch(res)
    next()
  })
  app.use(middleware({ policy: blockPolicy(), registry }))
  app.get('/', (_req, res) => {
    res.type('html')
    hanging().pipe(res)
  })
  await leave(t, await serve(t, app), w, registry)
})

t.test('fastifyTagwarden', async (t) => {
  const registry = new Registry()
  const w = watcher()
  const app = Fastify()
  app.addHook('onRequest', async (_req, reply) => w.watch(reply.raw))
  await app.register(fastifyTagwarden, { policy: blockPolicy(), registry })
  let source!: Readable
  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send((source = hanging())))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  // The plugin never touches the response (Fastify's own stream handling leaves its listeners there).
  await leave(t, (app.server.address() as import('node:net').AddressInfo).port, w, registry, false)
  t.ok(source.destroyed, "the handler's stream was destroyed")
})

t.test('attachInspector', async (t) => {
  const registry = new Registry()
  const w = watcher()
  let upstreamClosed!: () => void
  const closedUpstream = new Promise<void>((resolve) => (upstreamClosed = resolve))
  const origin = await serve(t, (_req, res) => {
    res.on('close', upstreamClosed)
    res.writeHead(200, HTML)
    res.write(PREFIX)
  })
  const proxy = httpProxy.createProxyServer({
    target: `http://127.0.0.1:${origin}`,
    selfHandleResponse: true,
  })
  t.teardown(() => proxy.close())
  attachInspector(proxy, { policy: blockPolicy(), registry })
  const port = await serve(
    t,
    createServer((req, res) => {
      w.watch(res)
      proxy.web(req, res, {}, () => res.destroy())
    }),
  )
  await leave(t, port, w, registry)
  await closedUpstream
  t.pass('the upstream response was released')
})

t.test('inspectResponse', async (t) => {
  const registry = new Registry()
  const w = watcher()
  let cancelled!: () => void
  const sourceCancelled = new Promise<void>((resolve) => (cancelled = resolve))
  const listener = fetchListener(async (req) => {
    let sent = false
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sent) controller.enqueue(new TextEncoder().encode(PREFIX))
        sent = true
        return new Promise(() => {}) // and then nothing, until cancelled
      },
      cancel: () => cancelled(),
    })
    return inspectResponse(new Response(body, { headers: HTML }), {
      policy: blockPolicy(),
      registry,
      request: req,
    })
  })
  const port = await serve(t, (req: IncomingMessage, res: ServerResponse) => {
    w.watch(res)
    listener(req, res)
  })
  await leave(t, port, w, registry)
  await sourceCancelled
  t.pass("the handler's body was cancelled")
})
