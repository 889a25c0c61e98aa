/**
 * Real servers on 127.0.0.1 port 0 for the proxy tests: an upstream that records what reached it, the
 * proxy in-process or as the real CLI process, and a raw-socket client that sees the bytes on the wire.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import pino from 'pino'
import { createProxy, type ProxyOptions, type TagwardenProxy } from '../../src/entries/proxy.js'

import { MAIN } from './cli.js'

type Test = { teardown: (fn: () => unknown) => void }

export { MAIN }

export function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export interface Upstream {
  server: Server
  port: number
  url: string
  /** Every request that reached it. */
  requests: { method: string; url: string; headers: IncomingHttpHeaders }[]
  /** TCP connections it accepted. */
  connections: number
}

export async function startUpstream(t: Test, handler: RequestListener): Promise<Upstream> {
  const server = createServer()
  const upstream: Upstream = { server, port: 0, url: '', requests: [], connections: 0 }
  server.on('connection', () => upstream.connections++)
  server.on('request', (req, res) => {
    upstream.requests.push({ method: req.method!, url: req.url!, headers: req.headers })
    handler(req, res)
  })
  upstream.port = await listen(server)
  upstream.url = `http://127.0.0.1:${upstream.port}`
  t.teardown(() => closeServer(server))
  return upstream
}

export interface RunningProxy {
  proxy: TagwardenProxy
  url: string
  port: number
  metricsUrl: string
  /** The JSON log lines it wrote. */
  logs: Record<string, unknown>[]
}

/** The proxy in this process, both listeners on port 0, logs captured. */
export async function startProxy(t: Test, options: ProxyOptions): Promise<RunningProxy> {
  const logs: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) })
  const proxy = createProxy({ listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0', logger, ...options })
  const { url, metricsUrl } = await proxy.listen()
  t.teardown(() => proxy.close())
  return { proxy, url, port: Number(new URL(url).port), metricsUrl: metricsUrl!, logs }
}

export interface RawResponse {
  statusLine: string
  headers: [string, string][]
  body: Buffer
  chunked: boolean
  /** Whether the message ended as its framing says (last chunk, or Content-Length bytes). */
  complete: boolean
  raw: Buffer
}

/** Parse an HTTP/1.1 response from its bytes (chunked bodies are de-chunked). */
export function parseResponse(raw: Buffer): RawResponse {
  const end = raw.indexOf('\r\n\r\n')
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n')
  const headers = lines.map((l) => {
    const i = l.indexOf(':')
    return [l.slice(0, i), l.slice(i + 1).trim()] as [string, string]
  })
  const get = (name: string): string | undefined => headers.find(([n]) => n.toLowerCase() === name)?.[1]
  let rest = raw.subarray(end + 4)
  const chunked = get('transfer-encoding')?.toLowerCase() === 'chunked'
  if (!chunked) {
    const length = get('content-length')
    const body = length === undefined ? rest : rest.subarray(0, Number(length))
    return {
      statusLine: statusLine!,
      headers,
      body,
      chunked,
      complete: length === undefined || rest.length >= Number(length),
      raw,
    }
  }
  const parts: Buffer[] = []
  let complete = false
  for (;;) {
    const lineEnd = rest.indexOf('\r\n')
    if (lineEnd < 0) break
    const size = parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16)
    if (size === 0) {
      complete = true
      break
    }
    const chunk = rest.subarray(lineEnd + 2, lineEnd + 2 + size)
    parts.push(chunk)
    if (chunk.length < size) break
    rest = rest.subarray(lineEnd + 2 + size + 2)
  }
  return { statusLine: statusLine!, headers, body: Buffer.concat(parts), chunked, complete, raw }
}

/** Hop-by-hop fields (RFC 9110 §7.6.1) and Date, which each hop may set: what byte-identity leaves aside. */
export function endToEnd(headers: [string, string][]): [string, string][] {
  return headers.filter(([n]) => !['connection', 'keep-alive', 'transfer-encoding'].includes(n.toLowerCase()))
}

/**
 * Send `request` on a raw socket and collect every byte until the server closes. `onData` sees the
 * bytes so far (to release an upstream that waits for the client to have seen something).
 */
export function rawRequest(
  port: number,
  request: string | Buffer,
  onData?: (sofar: Buffer) => void,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const parts: Buffer[] = []
    socket.on('data', (d: Buffer) => {
      parts.push(d)
      onData?.(Buffer.concat(parts))
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(parts)))
    // Not end(): a half-close is an abort to Node's HTTP server. `Connection: close` ends the exchange.
    socket.write(request)
  })
}

export const get = (path: string, host = 'site.example', extra = ''): string =>
  `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n${extra}\r\n`

/** A value from Prometheus text, 0 when the series is absent. */
export function metric(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const inner = /\{(.*)\}/.exec(line)?.[1] ?? ''
    if (want.every((w) => inner.split(',').includes(w))) return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return 0
}

export async function metricsText(metricsUrl: string): Promise<string> {
  return (await fetch(`${metricsUrl}/metrics`)).text()
}

/** Resolves once `condition()` holds, checking after each turn of the event loop; fails after `ms`. */
export async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export interface CliProxy {
  child: ChildProcess
  url: string
  metricsUrl: string
  lines: Record<string, unknown>[]
  stderr: () => string
  exited: Promise<number | null>
}

/** The real `tagwarden proxy` process; resolves once its "listening" line gives the bound addresses. */
export function spawnProxy(t: Test, args: string[]): Promise<CliProxy> {
  const child = spawn(
    process.execPath,
    [MAIN, 'proxy', '--listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const lines: Record<string, unknown>[] = []
  let stderr = ''
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  })
  child.stderr!.on('data', (d: Buffer) => (stderr += d))
  return new Promise((resolve, reject) => {
    let buffered = ''
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d
      let nl: number
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl)) as Record<string, unknown>
        buffered = buffered.slice(nl + 1)
        lines.push(line)
        if (line.msg === 'listening') {
          resolve({
            child,
            url: String(line.url),
            metricsUrl: String(line.metricsUrl),
            lines,
            stderr: () => stderr,
            exited,
          })
        }
      }
    })
    void exited.then((code) =>
      reject(new Error(`tagwarden proxy exited (${code}) before listening: ${stderr}`)),
    )
  })
}
