/**
 * The upstream of the proxy benchmarks, in a process of its own: `node proxy-upstream.mjs < routes.json`
 * where routes.json maps paths to `{ type, body }` (body in base64). Serves each with its
 * Content-Type and a Content-Length, from memory, on 127.0.0.1 port 0; prints `{"port": N}` once
 * listening.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'

type Route = { type: string; body: string }
const routes = new Map(
  Object.entries(JSON.parse(await text(process.stdin)) as Record<string, Route>).map(([path, r]) => [
    path,
    { type: r.type, body: Buffer.from(r.body, 'base64') },
  ]),
)

const server = createServer((req, res) => {
  const route = routes.get(req.url ?? '')
  if (route === undefined) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': route.type, 'content-length': route.body.length })
  res.end(route.body)
})
// Longer than any run: the proxies' keep-alive sockets are never closed under them mid-measurement.
server.keepAliveTimeout = 120_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
