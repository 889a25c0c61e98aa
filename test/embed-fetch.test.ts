/**
 * inspectResponse for fetch-style servers: served by a real node:http adapter (as Hono's node server
 * does it) to real clients, and called directly for what only the Response shows.
 */
import { Registry } from 'prom-client'
import t from 'tap'
import { inspectResponse, type InspectResponseOptions } from '../src/entries/embed.js'
import { parsePolicy } from '../src/index.js'
import { prng, randomChunks } from './helpers/chunks.js'
import {
  EVIL,
  INJECTION,
  blockPolicy,
  cleanPrefix,
  comparable,
  count,
  exchange,
  fetchListener,
  page,
  reportPolicy,
  serve,
} from './helpers/embed.js'

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** `/whole`, `/stream` (small chunks over time), `/early` (the element in the first chunk). */
async function render(request: Request): Promise<Response> {
  const url = new URL(request.url)
  const html = page(url.searchParams.get('injected') === '1' ? INJECTION : '')
  const headers = { 'content-type': 'text/html; charset=utf-8', 'x-app': 'shop' }
  switch (url.pathname) {
    case '/whole':
      return new Response(html, { headers })
    case '/stream':
    case '/early': {
      const parts =
        url.pathname === '/early'
          ? [Buffer.from(`<!doctype html>${INJECTION}`), Buffer.from(page())]
          : randomChunks(Buffer.from(html), prng(5), 64)
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await turn()
          const next = parts.shift()
          if (next === undefined) controller.close()
          else controller.enqueue(next)
        },
      })
      return new Response(body, { status: 200, statusText: 'Fine', headers })
    }
    case '/json':
      return Response.json({ html: INJECTION })
    default:
      return new Response('not found\n', { status: 404, headers: { 'content-type': 'text/plain' } })
  }
}

function server(t: Parameters<typeof serve>[0], options?: Omit<InspectResponseOptions, 'request'>) {
  return serve(
    t,
    fetchListener(async (request) =>
      options ? inspectResponse(await render(request), { ...options, request }) : render(request),
    ),
  )
}

t.test('clean responses: the same bytes', async (t) => {
  const control = await server(t)
  const port = await server(t, { policy: blockPolicy() })
  for (const path of ['/whole', '/stream', '/json']) {
    const want = comparable(await exchange(control, path))
    t.same(comparable(await exchange(port, path)), want, path)
    t.ok(want.complete)
  }
})

t.test('injected: a 502 Response before the first byte, a cut after it', async (t) => {
  const port = await server(t, { policy: blockPolicy() })
  for (const path of ['/whole?injected=1', '/early']) {
    const response = await exchange(port, path)
    t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway', path)
    t.match(response.body.toString(), /502 Blocked/)
    t.notOk(response.raw.includes(EVIL))
    t.notOk(response.raw.includes('x-app'), "none of the app's headers")
  }
  const cut = await exchange(port, '/stream?injected=1')
  t.equal(cut.statusLine, 'HTTP/1.1 200 Fine', 'the head went out with the first released byte')
  t.notOk(cut.complete, 'cut')
  t.ok(cleanPrefix(cut.body) && cut.body.length > 0, 'the clean start, nothing of the element')
})

t.test('what is not inspected is the same Response', async (t) => {
  const html = () => new Response(page(INJECTION), { headers: { 'content-type': 'text/html' } })
  const options = { policy: blockPolicy() }
  const json = Response.json({ html: INJECTION })
  t.equal(await inspectResponse(json, options), json, 'JSON')
  const head = html()
  const request = new Request('http://shop.example/', { method: 'HEAD' })
  t.equal(await inspectResponse(head, { ...options, request }), head, 'HEAD')
  const empty = new Response(null, { status: 204, headers: { 'content-type': 'text/html' } })
  t.equal(await inspectResponse(empty, options), empty, '204')
  const notModified = new Response(null, { status: 304 })
  t.equal(await inspectResponse(notModified, options), notModified, '304')
  const range = new Response(page(INJECTION).slice(0, 100), {
    status: 206,
    headers: { 'content-type': 'text/html', 'content-range': 'bytes 0-99/*' },
  })
  t.equal(await inspectResponse(range, options), range, '206')
  t.equal((await inspectResponse(html(), options)).status, 502, 'the same page in GET is blocked')
})

t.test('report: the body unchanged, violations counted with their request', async (t) => {
  const registry = new Registry()
  const seen: string[] = []
  const control = await server(t)
  const port = await server(t, {
    policy: reportPolicy(),
    registry,
    site: 'edge',
    onViolation: (v, request) => seen.push(`${v.directive} ${request?.url}`),
  })
  for (const path of ['/whole?injected=1', '/stream?injected=1', '/json']) {
    t.same(comparable(await exchange(port, path)), comparable(await exchange(control, path)), path)
  }
  t.same(seen, [
    'frame-src http://shop.example/whole?injected=1',
    'frame-src http://shop.example/stream?injected=1',
  ])
  t.equal(await count(registry, 'tagwarden_violations_total', { site: 'edge', action: 'reported' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { site: 'edge', verdict: 'violation' }), 2)
  t.equal(await count(registry, 'tagwarden_responses_total', { site: 'edge', verdict: 'skipped' }), 1)
})

t.test("trustProxy: X-Forwarded-Proto/-Host decide 'self'", async (t) => {
  const policy = parsePolicy({ directives: { 'default-src': ["'self'"] } })
  const absolute = `<!doctype html><img src="https://shop.example/logo.png">`
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'shop.example' }
  const request = new Request('http://10.0.0.7:8080/', { headers: forwarded })
  const response = () => new Response(absolute, { headers: { 'content-type': 'text/html' } })
  t.equal((await inspectResponse(response(), { policy, request })).status, 502, 'untrusted: not self')
  t.equal((await inspectResponse(response(), { policy, request, trustProxy: true })).status, 200, 'trusted')
  t.equal(
    (await inspectResponse(response(), { policy, url: 'https://shop.example/' })).status,
    200,
    'or an explicit url',
  )
})
