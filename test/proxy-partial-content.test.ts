/**
 * A 206 Partial Content response is a range of a file, never a document a browser renders: it passes
 * as sent, while the same bytes as a whole page are judged (and here blocked).
 */
import t from 'tap'
import { get, parseResponse, rawRequest, startProxy, startUpstream } from './helpers/proxy.js'
import { blockPolicy } from './helpers/proxy-pages.js'

const PAGE = '<!doctype html><p>hello</p><iframe src="http://evil.example/x" hidden></iframe><p>bye</p>'

t.test('206: passed through uninspected, byte-identical; the whole page is blocked', async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    const range = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '')
    if (range === null) return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE)
    const [from, to] = [Number(range[1]), Number(range[2])]
    res.writeHead(206, {
      'content-type': 'text/html',
      'content-range': `bytes ${from}-${to}/${PAGE.length}`,
    })
    res.end(PAGE.slice(from, to + 1))
  })
  const proxy = await startProxy(t, {
    sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
  })
  const part = parseResponse(await rawRequest(proxy.port, get('/', 'site.example', 'Range: bytes=10-89\r\n')))
  t.equal(part.statusLine, 'HTTP/1.1 206 Partial Content')
  t.equal(part.body.toString(), PAGE.slice(10, 90), 'the range as sent, injected iframe and all')
  const whole = parseResponse(await rawRequest(proxy.port, get('/')))
  t.equal(whole.statusLine, 'HTTP/1.1 502 Bad Gateway', 'the same markup as a page is blocked')
})
