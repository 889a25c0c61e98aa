/**
 * fastifyTagwarden in real Fastify 5 apps: string, Buffer, Node stream, web stream and Response
 * payloads byte-identical when clean, blocked when injected; Fastify's error handling untouched.
 */
import { Readable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import { Registry } from 'prom-client'
import t from 'tap'
import { fastifyTagwarden, type FastifyTagwardenOptions } from '../src/entries/embed.js'
import { prng, randomChunks } from './helpers/chunks.js'
import {
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
} from './helpers/embed.js'

const PAYLOADS = ['string', 'buffer', 'stream', 'web-stream', 'response'] as const
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

async function start(
  t: { teardown: (fn: () => unknown) => void },
  options?: FastifyTagwardenOptions,
): Promise<number> {
  const app: FastifyInstance = Fastify()
  if (options) await app.register(fastifyTagwarden, options)
  const html = (query: unknown) => page((query as { injected?: string }).injected === '1' ? INJECTION : '')
  const chunks = (query: unknown) => randomChunks(Buffer.from(html(query)), prng(3), 64)
  app.get('/string', async (req, reply) => reply.type('text/html; charset=utf-8').send(html(req.query)))
  app.get('/buffer', async (req, reply) => reply.type('text/html').send(Buffer.from(html(req.query))))
  app.get('/stream', async (req, reply) =>
    reply.type('text/html').send(Readable.from(chunks(req.query), { objectMode: false })),
  )
  app.get('/web-stream', async (req, reply) => {
    const parts = chunks(req.query)
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift()
        if (next === undefined) controller.close()
        else controller.enqueue(next)
      },
    })
    return reply.type('text/html').send(stream)
  })
  app.get(
    '/response',
    async (req) => new Response(html(req.query), { headers: { 'content-type': 'text/html' } }),
  )
  app.get('/slow', async (req, reply) => {
    // The clean start goes out before the injection is even written: a block then cuts.
    async function* body() {
      for (const chunk of chunks(req.query)) {
        yield chunk
        await turn()
      }
    }
    return reply.type('text/html').send(Readable.from(body(), { objectMode: false }))
  })
  // The element in the first chunk: nothing can have been released before it.
  const early = () => [Buffer.from(`<!doctype html>${INJECTION}`), Buffer.from(page())]
  app.get('/early-stream', async (_req, reply) =>
    reply.type('text/html').send(Readable.from(early(), { objectMode: false })),
  )
  app.get('/early-web-stream', async (_req, reply) => {
    const parts = early()
    return reply.type('text/html').send(
      new ReadableStream<Uint8Array>({
        pull: (controller) => (parts.length ? controller.enqueue(parts.shift()!) : controller.close()),
      }),
    )
  })
  app.get('/json', async () => ({ html: INJECTION }))
  app.get('/no-content', async (_req, reply) => reply.code(204).type('text/html').send())
  app.get('/not-modified', async (_req, reply) => reply.code(304).header('etag', '"v1"').send())
  app.get('/throws', async () => {
    throw new Error('plain')
  })
  await app.register(async (scoped) => {
    scoped.setErrorHandler((error, _req, reply) => {
      reply
        .code(500)
        .type('text/html')
        .send(
          `<!doctype html><p>Something broke</p>${(error as Error).message === 'injected' ? INJECTION : ''}`,
        )
    })
    scoped.get('/html-error', async (req) => {
      throw new Error((req.query as { injected?: string }).injected === '1' ? 'injected' : 'plain')
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  return (app.server.address() as import('node:net').AddressInfo).port
}

t.test('clean payloads of every kind are byte-identical', async (t) => {
  const control = await start(t)
  const port = await start(t, { policy: blockPolicy() })
  for (const payload of PAYLOADS) {
    const want = comparable(await exchange(control, `/${payload}`))
    t.same(comparable(await exchange(port, `/${payload}`)), want, payload)
    t.match(want.statusLine, / 200 OK$/)
  }
  t.equal(
    header(await exchange(port, '/string'), 'content-length'),
    String(Buffer.byteLength(page())),
    "Fastify's Content-Length",
  )
})

t.test('injected payloads are blocked before their first byte: the 502 page', async (t) => {
  const port = await start(t, { policy: blockPolicy() })
  for (const path of [
    '/string?injected=1',
    '/buffer?injected=1',
    '/response?injected=1',
    '/html-error?injected=1',
    '/early-stream',
    '/early-web-stream',
  ]) {
    const response = await exchange(port, path)
    t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', path)
    t.notOk(response.raw.includes(EVIL))
    t.match(response.body.toString(), /502 Blocked/)
    t.match(response.body.toString(), /Request ID: req-\w+/, "Fastify's request id")
    t.equal(header(response, 'content-type'), 'text/html; charset=utf-8')
  }
})

t.test('a stream blocked after its first byte is cut', async (t) => {
  const port = await start(t, { policy: blockPolicy() })
  const response = await exchange(port, '/slow?injected=1')
  t.equal(response.statusLine, 'HTTP/1.1 200 OK')
  t.notOk(response.complete, 'cut, not ended')
  t.ok(cleanPrefix(response.body), 'only the clean part before the element')
  t.ok(response.body.length > 0)
  // Streams whose start may or may not have been released before the element: either way, no leak.
  for (const path of ['/stream?injected=1', '/web-stream?injected=1']) {
    const either = await exchange(port, path)
    t.notOk(either.raw.includes(EVIL), path)
    if (!either.statusLine.includes(' 502 '))
      t.ok(!either.complete && cleanPrefix(either.body), `${path}: cut`)
  }
})

t.test("a handler that throws gets Fastify's error handler", async (t) => {
  const control = await start(t)
  const port = await start(t, { policy: blockPolicy() })
  for (const path of ['/throws', '/html-error']) {
    const want = comparable(await exchange(control, path))
    t.same(comparable(await exchange(port, path)), want, path)
    t.match(want.statusLine, / 500 /)
  }
})

t.test('report: unchanged and counted; HEAD, 204, 304 and JSON untouched', async (t) => {
  const registry = new Registry()
  const seen: string[] = []
  const control = await start(t)
  const port = await start(t, {
    policy: reportPolicy(),
    registry,
    site: 'fastify',
    onViolation: (v, request) => seen.push(`${v.directive} ${request.raw.url}`),
  })
  for (const [method, path] of [
    ['GET', '/string?injected=1'],
    ['GET', '/stream?injected=1'],
    ['GET', '/response?injected=1'],
    ['HEAD', '/string?injected=1'],
    ['GET', '/no-content'],
    ['GET', '/not-modified'],
    ['GET', '/json'],
  ] as const) {
    t.same(
      comparable(await exchange(port, path, { method })),
      comparable(await exchange(control, path, { method })),
      `${method} ${path}`,
    )
  }
  t.same(seen, [
    'frame-src /string?injected=1',
    'frame-src /stream?injected=1',
    'frame-src /response?injected=1',
  ])
  const site = { site: 'fastify' }
  t.equal(await count(registry, 'tagwarden_violations_total', { ...site, action: 'reported' }), 3)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'violation' }), 3)
  t.equal(await count(registry, 'tagwarden_responses_total', { ...site, verdict: 'skipped' }), 4)
})

t.test('a policy file is read at registration: a bad one fails it', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(
    async () => {
      await app.register(fastifyTagwarden, { policy: `${t.testdir()}/missing.yaml` })
      await app.ready()
    },
    { code: 'TW_ERR_IO' },
  )
})
