/**
 * Issue 11, defect 4, through the embedding faces: in report, a compressed page whose client closes
 * the connection the moment it has the last byte is still inspected to its end, its violation counted
 * and reported, its verdict `violation` — never `error`. The handler either gives the body whole to
 * `end()` or writes it in pieces before ending. (Without the fix — the inspection destroyed when the
 * client closes — wrapHandler, middleware and attachInspector count fewer violations here, and errors.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import { gzipSync } from 'node:zlib'
import express from 'express'
import Fastify from 'fastify'
import httpProxy from 'http-proxy'
import { Registry } from 'prom-client'
import t from 'tap'
import { attachInspector, fastifyTagwarden, middleware, wrapHandler } from '../src/entries/embed.js'
import type { Violation } from '../src/index.js'
import { ENCODINGS, compress, getAndLeave, longPage, type Encoding } from './helpers/client-close.js'
import { count, reportPolicy, serve } from './helpers/embed.js'

const PER_ENCODING = 10
const SHAPES = ['end', 'writes'] as const
const bodies = Object.fromEntries(ENCODINGS.map((e) => [e, compress(e, longPage())])) as Record<
  Encoding,
  Buffer
>
/** `/end/bomb`: 16 MiB of text in 16 KiB of gzip, past `maxInflationRatio`. */
const BOMB = gzipSync(`<!doctype html><p>${'a'.repeat(16 * 1024 * 1024)}</p>`)

function compressed(encoding: string): { body: Buffer; encoding: string } {
  return encoding === 'bomb'
    ? { body: BOMB, encoding: 'gzip' }
    : { body: bodies[encoding as Encoding], encoding }
}

/**
 * `/<shape>/<encoding>`: the compressed page, given whole to `end()` or written in 4 KiB pieces (to
 * Fastify: a Buffer, or a stream that gives it).
 */
function handler(req: IncomingMessage, res: ServerResponse): void {
  const [, shape, name] = (req.url ?? '').split('/') as [string, string, string]
  const { body, encoding } = compressed(name)
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-encoding': encoding,
    'content-length': body.length,
  })
  if (shape === 'end') return void res.end(body)
  for (let i = 0; i < body.length; i += 4096) res.write(body.subarray(i, i + 4096))
  res.end()
}

type Test = { teardown: (fn: () => unknown) => void }
type Face = (
  t: Test,
  options: {
    policy: ReturnType<typeof reportPolicy>
    registry: Registry
    onViolation: (v: Violation) => void
  },
) => Promise<number>

const FACES: Record<string, Face> = {
  wrapHandler: (t, options) => serve(t, wrapHandler(handler, options)),
  middleware: (t, options) => {
    const app = express()
    app.use(middleware(options))
    app.use(handler)
    return serve(t, createServer(app))
  },
  fastifyTagwarden: async (t, options) => {
    const app = Fastify()
    await app.register(fastifyTagwarden, options)
    app.get('/:shape/:name', async (req, reply) => {
      const { shape, name } = req.params as { shape: string; name: string }
      const { body, encoding } = compressed(name)
      reply
        .header('content-encoding', encoding)
        .header('content-length', body.length)
        .type('text/html; charset=utf-8')
      if (shape === 'end') return reply.send(body)
      return reply.send(Readable.from([body], { objectMode: false }))
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.teardown(() => app.close())
    return (app.server.address() as import('node:net').AddressInfo).port
  },
  attachInspector: async (t, options) => {
    const originPort = await serve(t, handler)
    const proxy = httpProxy.createProxyServer({
      target: `http://127.0.0.1:${originPort}`,
      selfHandleResponse: true,
    })
    t.teardown(() => proxy.close())
    attachInspector(proxy, options)
    return serve(t, (req, res) => proxy.web(req, res))
  },
}

/** Resolves once `registry` has counted `n` responses, whatever their verdict. */
async function responsesCounted(registry: Registry, n: number): Promise<void> {
  const deadline = Date.now() + 20_000
  while ((await count(registry, 'tagwarden_responses_total')) < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} responses to be counted`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

for (const [name, start] of Object.entries(FACES)) {
  t.test(
    `${name}: report counts every violation of a compressed page whose client left after the last byte`,
    async (t) => {
      const registry = new Registry()
      const reported: Violation[] = []
      const port = await start(t, { policy: reportPolicy(), registry, onViolation: (v) => reported.push(v) })
      let sent = 0
      for (const shape of SHAPES)
        for (const encoding of ENCODINGS) {
          const received = await Promise.all(
            Array.from({ length: PER_ENCODING }, (_, i) =>
              getAndLeave(port, 'shop.example', `/${shape}/${encoding}`, i % 2 === 0),
            ),
          )
          t.ok(
            received.every((n) => n === bodies[encoding].length),
            `${shape}/${encoding}: every client got the whole body`,
          )
          sent += PER_ENCODING
        }
      await responsesCounted(registry, sent)
      const counted = await count(registry, 'tagwarden_violations_total', {
        directive: 'frame-src',
        action: 'reported',
      })
      t.equal(counted, sent, `every delivered violation counted (${counted}/${sent})`)
      t.equal(reported.length, sent, 'every violation given to onViolation')
      t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'violation' }), sent)
      t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'error' }), 0, 'none an error')
      // A bomb delivered whole, its client gone: the inspection ends at the limit, counted as such.
      const bombs = await Promise.all(
        Array.from({ length: 3 }, () => getAndLeave(port, 'shop.example', '/end/bomb', false)),
      )
      t.ok(
        bombs.every((n) => n === BOMB.length),
        'every client got the whole bomb',
      )
      await responsesCounted(registry, sent + 3)
      t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'limit' }), 3, 'bombs: limit')
      t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'error' }), 0, 'bombs: no error')
    },
  )
}
