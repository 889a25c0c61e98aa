/**
 * Issue 11, defect 4, for every face: a compressed page with a violation near its end, and a client
 * that closes its connection the moment it has the whole body — while the inspection may still be
 * decompressing and parsing.
 */
import { connect } from 'node:net'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import { INJECTION } from './proxy-pages.js'

export const ENCODINGS = ['gzip', 'br', 'deflate'] as const
export type Encoding = (typeof ENCODINGS)[number]

/**
 * ~150 KB of varied markup, the injected iframe near its end: decompressing and parsing take a
 * while.
 */
export function longPage(): string {
  const rows: string[] = []
  for (let i = 0; i < 1500; i++)
    rows.push(`<li id="r${i}"><a href="/item/${i}">item ${i}</a> ${i * 7919}</li>`)
  return `<!doctype html><html><head><title>list</title></head><body><ul>${rows.join('\n')}</ul>${INJECTION}<p>end</p></body></html>`
}

export function compress(encoding: Encoding, body: string): Buffer {
  if (encoding === 'gzip') return gzipSync(body)
  if (encoding === 'br') return brotliCompressSync(body)
  return deflateSync(body)
}

/**
 * One request on a raw socket; the socket is destroyed the moment the whole Content-Length body has
 * arrived (as a client does that sent `Connection: close`, or a keep-alive client leaving). Resolves
 * with the body's length.
 */
export function getAndLeave(port: number, host: string, path: string, keepAlive: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let received = Buffer.alloc(0)
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d])
      const end = received.indexOf('\r\n\r\n')
      if (end < 0) return
      const length = /\r\ncontent-length: *(\d+)/i.exec(received.subarray(0, end).toString('latin1'))
      if (length === null) return reject(new Error('expected a Content-Length'))
      if (received.length - end - 4 < Number(length[1])) return
      socket.destroy()
      resolve(Number(length[1]))
    })
    socket.on('error', reject)
    socket.write(
      `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: ${keepAlive ? 'keep-alive' : 'close'}\r\n\r\n`,
    )
  })
}
