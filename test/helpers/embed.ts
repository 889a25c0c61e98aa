/**
 * What the embedding tests share: the same page clean and injected, written by node:http handlers in
 * every shape a handler may use; servers on 127.0.0.1 port 0 closed in teardown; a raw client that
 * sees the bytes on the wire; the comparison that defines "byte-identical".
 */
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http'
import { Readable, pipeline } from 'node:stream'
import { gzipSync } from 'node:zlib'
import type { Registry } from 'prom-client'
import { parsePolicy, type Policy } from '../../src/index.js'
import { prng, randomChunks } from './chunks.js'
import { closeServer, listen, parseResponse, rawRequest, type RawResponse } from './proxy.js'

type Test = { teardown: (fn: () => unknown) => void }

export const INJECTION = '<iframe src="http://evil.example/x" width="0" height="0"></iframe>'
export const EVIL = 'evil.example'

/** A page whose own references are all 'self'; `extra` goes in the middle of the body. */
export const page = (extra = ''): string =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>Example shop</title>\n` +
  `<script src="/static/app.js"></script><link rel="stylesheet" href="/static/site.css"></head>\n` +
  `<body><h1>Welcome</h1><p>${'Lorem ipsum dolor sit amet. '.repeat(60)}</p>${extra}` +
  `<img src="/logo.png" alt="logo"><p>${'Consectetur adipiscing elit. '.repeat(60)}</p></body></html>\n`

export const DIRECTIVES = { 'default-src': ["'self'"], 'frame-src': ["'none'"] }
export const blockPolicy = (): Policy => parsePolicy({ action: 'block', directives: DIRECTIVES })
export const reportPolicy = (): Policy => parsePolicy({ action: 'report', directives: DIRECTIVES })

/** The ways a node:http handler writes a response; each is served at `/<shape>` and `/<shape>/injected`. */
export const SHAPES = [
  'end',
  'write-head-object',
  'write-head-array',
  'latin1',
  'small-writes',
  'pipe',
  'pipeline',
  'gzip',
  'flush-headers',
  'empty',
] as const
export type Shape = (typeof SHAPES)[number]

/** Shapes whose whole body reaches tagwarden before anything may be sent: a block is a 502. */
export const WHOLE: readonly Shape[] = ['end', 'write-head-object', 'write-head-array', 'latin1', 'gzip']

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** Serve `/<shape>[/injected]`; anything else is a 404 in plain text. */
export const shapes: RequestListener = (req, res) => {
  const [, shape, injected] = (req.url ?? '').split('/')
  const html = page(injected === 'injected' ? INJECTION : '')
  const bytes = Buffer.from(html)
  const chunks = randomChunks(bytes, prng(0x5eed), 48)
  switch (shape as Shape) {
    case 'end':
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.setHeader('X-Frame-Options', 'DENY')
      return void res.end(html)
    case 'write-head-object':
      res.writeHead(200, 'Fine', {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': bytes.length,
        ETag: '"v1"',
      })
      return void res.end(bytes)
    case 'write-head-array':
      res.setHeader('X-Before', 'set first')
      res.writeHead(201, [
        'Set-Cookie',
        'a=1; Path=/',
        'X-Mixed-Case',
        'As-Is',
        'Set-Cookie',
        'b=2; Path=/',
        'content-type',
        'text/html',
      ])
      res.write(html.slice(0, 100))
      return void res.end(html.slice(100))
    case 'latin1':
      res.setHeader('Content-Type', 'text/html; charset=windows-1252')
      return void res.end(html.replace('Welcome', 'Bem-vindo à loja'), 'latin1')
    case 'small-writes':
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      void (async () => {
        for (const [i, chunk] of chunks.entries()) {
          res.write(chunk)
          if (i % 8 === 0) await turn()
        }
        res.end()
      })()
      return
    case 'pipe':
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      return void Readable.from(chunks, { objectMode: false }).pipe(res)
    case 'pipeline':
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': bytes.length })
      return void pipeline(Readable.from(chunks, { objectMode: false }), res, () => {})
    case 'gzip': {
      const body = gzipSync(bytes)
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Encoding': 'gzip',
        'Content-Length': body.length,
      })
      return void res.end(body)
    }
    case 'flush-headers':
      // A response streamed over time: the head goes out at once, the body follows in pieces.
      res.setHeader('Content-Type', 'text/html; charset=utf-8')
      res.flushHeaders()
      void (async () => {
        for (const chunk of chunks) {
          res.write(chunk)
          await turn()
        }
        res.end()
      })()
      return
    case 'empty':
      res.writeHead(200, { 'Content-Type': 'text/html' })
      return void res.end()
    default:
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found\n')
  }
}

/** A server on 127.0.0.1 port 0, closed at teardown. */
export async function serve(t: Test, listener: RequestListener | Server): Promise<number> {
  const server = typeof listener === 'function' ? createServer(listener) : listener
  const port = await listen(server)
  t.teardown(() => closeServer(server))
  return port
}

export function request(method: string, path: string, headers: Record<string, string> = {}): string {
  const lines = Object.entries({ Host: 'shop.example', Connection: 'close', ...headers }).map(
    ([k, v]) => `${k}: ${v}\r\n`,
  )
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}\r\n`
}

/** One exchange on a raw socket, as sent by the server. */
export async function exchange(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return parseResponse(await rawRequest(port, request(options.method ?? 'GET', path, options.headers)))
}

/** What byte-identical compares: status line, headers in order and case (but Date), framing, body. */
export function comparable(response: RawResponse): {
  statusLine: string
  headers: [string, string][]
  chunked: boolean
  complete: boolean
  body: string
} {
  return {
    statusLine: response.statusLine,
    headers: response.headers.filter(([name]) => name.toLowerCase() !== 'date'),
    chunked: response.chunked,
    complete: response.complete,
    body: response.body.toString('latin1'),
  }
}

export function header(response: RawResponse, name: string): string | undefined {
  return response.headers.find(([n]) => n.toLowerCase() === name)?.[1]
}

/** The sum of the series of `name` in the registry that carry `labels` (0 when there are none). */
export async function count(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  // A histogram's `_count` and `_sum` are values of the histogram itself.
  const base = registry.getSingleMetric(name) ? name : name.replace(/_(?:count|sum)$/, '')
  const metric = await registry.getSingleMetric(base)?.get()
  if (metric === undefined) return 0
  return metric.values
    .filter((v) => ((v as { metricName?: string }).metricName ?? base) === name)
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0)
}

/** The body a blocked response may have sent before it was cut: a prefix of the clean page at most. */
export function cleanPrefix(body: Buffer, clean = page()): boolean {
  return clean.startsWith(body.toString('utf8')) && !body.includes(EVIL)
}

/** Resolves once `res` drains or closes, leaving no listener behind. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.on('drain', done).on('close', done)
  })
}

/**
 * A fetch-style server on node:http, as undici-based adapters (Hono's node server) do it: a Request
 * in, a Response out, its body streamed; a body that errors cuts the connection.
 */
export function fetchListener(handler: (request: Request) => Promise<Response>): RequestListener {
  return (req, res) => {
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      for (const v of Array.isArray(value) ? value : [value ?? '']) headers.append(name, v)
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
      const cancel = () => void reader.cancel().catch(() => {})
      res.once('close', cancel)
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          if (!res.write(r.value)) await drained(res)
        }
        res.end()
      } catch {
        res.destroy()
      } finally {
        res.off('close', cancel)
      }
    })().catch(() => res.destroy())
  }
}
