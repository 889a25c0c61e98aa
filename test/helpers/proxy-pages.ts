/**
 * The pages the proxy tests serve: the same document clean and with an injected <iframe>, in the
 * framings and encodings the issue names — identity with Content-Length, gzip, br, chunked in tiny
 * pieces, Shift_JIS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import { parsePolicy } from '../../src/index.js'

export const INJECTION = '<iframe src="http://evil.example/x" width="0" height="0"></iframe>'

export const page = (extra = '', title = 'Example shop'): string =>
  `<!doctype html>\n<html><head><meta charset="utf-8"><title>${title}</title>\n` +
  `<script src="/static/app.js"></script><link rel="stylesheet" href="/static/site.css"></head>\n` +
  `<body><h1>Welcome</h1>${extra}<img src="/logo.png" alt="logo"><p>${'Lorem ipsum dolor sit amet. '.repeat(40)}</p></body></html>\n`

/** こんにちは in Shift_JIS, around ASCII markup. */
const SJIS_TEXT = Buffer.from([0x82, 0xb1, 0x82, 0xf1, 0x82, 0xc9, 0x82, 0xbf, 0x82, 0xcd])
const sjisPage = (extra: string): Buffer =>
  Buffer.concat([
    Buffer.from('<!doctype html><html><head><title>sjis</title></head><body><p>'),
    SJIS_TEXT,
    Buffer.from(`</p>${extra}<p>`),
    SJIS_TEXT,
    Buffer.from('</p></body></html>'),
  ])

export const VARIANTS = ['identity', 'gzip', 'br', 'tiny-chunks', 'shift_jis'] as const
export type Variant = (typeof VARIANTS)[number]

/** The upstream handler: `/<variant>` clean, `/<variant>/injected` with the iframe. */
export function servePage(req: IncomingMessage, res: ServerResponse): void {
  const [, variant, injected] = (req.url ?? '').split('/')
  const extra = injected === 'injected' ? INJECTION : ''
  // No Date: the same page fetched twice is then the same bytes, and a Date added on the way shows.
  res.sendDate = false
  const html = page(extra)
  switch (variant as Variant) {
    case 'identity':
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': Buffer.byteLength(html),
        ETag: '"v1"',
      })
      return void res.end(html)
    case 'gzip': {
      const body = gzipSync(html)
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Encoding': 'gzip',
        'Content-Length': body.length,
        Vary: 'Accept-Encoding',
      })
      return void res.end(body)
    }
    case 'br':
      res.writeHead(200, {
        'content-type': 'text/html',
        'content-encoding': 'br',
        'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
      })
      return void res.end(brotliCompressSync(html))
    case 'tiny-chunks':
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'X-Custom-Header': 'kept As-Is' })
      void (async () => {
        const bytes = Buffer.from(html)
        for (let i = 0, size = 1; i < bytes.length; i += size, size = (size % 7) + 1) {
          res.write(bytes.subarray(i, i + size))
          if (i % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
        }
        res.end()
      })()
      return
    case 'shift_jis': {
      const body = sjisPage(extra)
      res.writeHead(200, { 'Content-Type': 'text/html; charset=Shift_JIS', 'Content-Length': body.length })
      return void res.end(body)
    }
    default:
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found\n')
  }
}

export const POLICY_DIRECTIVES = {
  'default-src': ["'self'"],
  'frame-src': ["'none'"],
}

export const blockPolicy = (): ReturnType<typeof parsePolicy> =>
  parsePolicy({ action: 'block', directives: POLICY_DIRECTIVES })
export const reportPolicy = (): ReturnType<typeof parsePolicy> =>
  parsePolicy({ action: 'report', directives: POLICY_DIRECTIVES })
