/**
 * The limit the proxy benchmarks compare against: plain `http-proxy` passing responses through, no
 * inspection, with a keep-alive agent as tagwarden's proxy has. `node proxy-plain.mjs TARGET`; prints
 * `{"port": N}` once listening on 127.0.0.1 port 0.
 */
import httpProxy from 'http-proxy'
import { Agent, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

const proxy = httpProxy.createProxyServer({ target: process.argv[2], agent: new Agent({ keepAlive: true }) })
const server = createServer((req, res) =>
  proxy.web(req, res, {}, () => {
    if (!res.headersSent) res.writeHead(502)
    res.end()
  }),
)
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`)
})
// A clean exit on SIGTERM, so that `node --cpu-prof` writes its profile (bench/README.md: Profiling).
process.once('SIGTERM', () => server.close(() => process.exit(0)))
