/**
 * Header handling at the proxy's two hops. RFC 9110 §7.6.1: Connection and every field it names
 * are for one connection only, as are Keep-Alive, TE, Transfer-Encoding, Upgrade and Proxy-Connection
 * (and Trailer: trailers are not forwarded); Proxy-Authenticate/-Authorization (§11.7) are meant for
 * the proxy itself. Everything else passes as sent, in order, with its case.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade'])

function connectionOptions(value: string | string[] | undefined): Set<string> {
  const list = Array.isArray(value) ? value.join(',') : (value ?? '')
  return new Set(
    list
      .split(',')
      .map((token) => token.trim().toLowerCase())
      .filter(Boolean),
  )
}

function isHopByHop(name: string, named: Set<string>): boolean {
  return HOP_BY_HOP.has(name) || name.startsWith('proxy-') || named.has(name)
}

/** The upstream's response headers as a flat `[name, value, …]` list (as `writeHead` takes it), hop-by-hop removed. */
export function endToEndResponseHeaders(res: IncomingMessage): string[] {
  const named = connectionOptions(res.headers.connection)
  const out: string[] = []
  const raw = res.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (!isHopByHop(raw[i]!.toLowerCase(), named)) out.push(raw[i]!, raw[i + 1]!)
  }
  return out
}

/** The client's IP as the upstream should see it (IPv4-mapped IPv6 written as IPv4). */
function clientAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')
}

/**
 * The headers to send upstream. Hop-by-hop fields go; `Expect` too (this proxy answered
 * `100-continue` itself, RFC 9110 §10.1.1). X-Forwarded-For/-Proto/-Host say what this proxy saw;
 * with `trustProxy` the values a proxy in front sent are kept and X-Forwarded-For is appended to,
 * otherwise client-sent ones (and `Forwarded`) are replaced or dropped, since a client could forge them.
 */
export function upstreamRequestHeaders(req: IncomingMessage, trustProxy: boolean): IncomingHttpHeaders {
  const named = connectionOptions(req.headers.connection)
  const out: IncomingHttpHeaders = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (isHopByHop(name, named) || name === 'expect') continue
    if (!trustProxy && (name === 'forwarded' || name.startsWith('x-forwarded-'))) continue
    out[name] = value
  }
  // Node has decoded a chunked request body; the upstream request must frame it again (RFC 9112 §6.1),
  // or its bytes would be read as the next request.
  if (req.headers['transfer-encoding'] !== undefined && req.headers['content-length'] === undefined) {
    out['transfer-encoding'] = 'chunked'
  }
  const ip = clientAddress(req)
  const prior = trustProxy ? req.headers['x-forwarded-for'] : undefined
  out['x-forwarded-for'] = prior ? `${prior}, ${ip}` : ip
  if (!trustProxy || out['x-forwarded-proto'] === undefined) out['x-forwarded-proto'] = 'http'
  if (!trustProxy || out['x-forwarded-host'] === undefined) out['x-forwarded-host'] = req.headers.host ?? ''
  return out
}

/**
 * The response's headers as the browser reads them, for judging the response: Node keeps only the
 * first of repeated Content-Type fields, while a browser combines them (`text/plain`, `text/html` →
 * `text/plain, text/html`, which Fetch "extract a MIME type" reads as text/html). Every Content-Type
 * field is joined here, so that such a page is inspected as the HTML the browser renders.
 */
export function judgedHeaders(res: IncomingMessage): IncomingHttpHeaders {
  const values: string[] = []
  const raw = res.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() === 'content-type') values.push(raw[i + 1]!)
  }
  if (values.length < 2) return res.headers
  return { ...res.headers, 'content-type': values.join(', ') }
}
