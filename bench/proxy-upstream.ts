/**
 * The upstream of the proxy benchmarks, in a process of its own: `node proxy-upstream.mjs < routes.json`
 * where routes.json maps paths to base64 bodies. Serves each as `text/html; charset=utf-8` with a
 * Content-Length, from memory, on 127.0.0.1 port 0; prints `{"port": N}` once listening.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { text } from 'node:stream/consumers'

const routes = new Map(
  Object.entries(JSON.parse(await text(process.stdin)) as Record<string, string>).map(([path, body]) => [
    path,
    Buffer.from(body, 'base64'),
  ]),
)

const server = createServer((req, res) => {
  const body = routes.get(req.url ?? '')
  if (body === undefined) {
    res.writeHead(404).end()
    return
  }
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length })
  res.end(body)
})
// Longer than any run: the proxies' keep-alive sockets are never closed under them mid-measurement.
server.keepAliveTimeout = 120_000
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
