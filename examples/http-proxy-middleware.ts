/**
 * tagwarden in http-proxy-middleware (3), the usual Express proxy: a plugin that answers the
 * upstream's responses as `tagwarden proxy` does.
 *
 *   PORT=3000 node --import tsx examples/http-proxy-middleware.ts
 *
 * It starts an origin on a free port serving examples/pages/shop.html (and, at /injected, the page
 * with an attack <iframe> inserted, as a compromised origin would), and Express with the proxy
 * middleware in front of it on PORT. Open http://127.0.0.1:3000/ and /injected through the proxy.
 * (In your code: `import { httpProxyMiddlewarePlugin } from 'tagwarden/embed'`.)
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import express from 'express'
import { createProxyMiddleware } from 'http-proxy-middleware'
import { httpProxyMiddlewarePlugin } from '../src/entries/embed.js'

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

const app = express()
app.use(
  createProxyMiddleware({
    target: `http://127.0.0.1:${(origin.address() as AddressInfo).port}`,
    selfHandleResponse: true, // tagwarden writes the responses (without it, this call throws)
    plugins: [
      httpProxyMiddlewarePlugin({
        policy: new URL('./policies/learned.json', import.meta.url),
        onViolation: (v, req) =>
          console.log(`violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> on ${req.url}`),
      }),
    ],
  }),
)

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
