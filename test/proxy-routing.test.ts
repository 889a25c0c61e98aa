/**
 * Which upstream a request reaches, and what it carries there: Host routing, the 421, absolute-form
 * targets, hop-by-hop headers both ways, X-Forwarded-*, trustProxy, upgrades, the exact path.
 */
import t from 'tap'
import { parsePolicy } from '../src/index.js'
import {
  get,
  metric,
  metricsText,
  parseResponse,
  rawRequest,
  startProxy,
  startUpstream,
} from './helpers/proxy.js'
import { blockPolicy } from './helpers/proxy-pages.js'

const html = (body: string) => `<!doctype html><title>x</title>${body}`

async function twoSites(t: { teardown: (fn: () => unknown) => void }) {
  const shop = await startUpstream(t, (req, res) => res.end(html(`shop ${req.url}`)))
  const blog = await startUpstream(t, (req, res) => res.end(html(`blog ${req.url}`)))
  const proxy = await startProxy(t, {
    sites: [
      { name: 'shop', hosts: ['shop.example', 'www.shop.example'], target: shop.url, policy: blockPolicy() },
      { name: 'blog', hosts: ['*.blog.example'], target: blog.url, policy: blockPolicy() },
    ],
  })
  return { shop, blog, proxy }
}
t.test('Host picks the site; an unknown Host is a 421 without any upstream connection', async (t) => {
  const { shop, blog, proxy } = await twoSites(t)
  const body = async (request: string) => parseResponse(await rawRequest(proxy.port, request))
  t.match((await body(get('/a', 'shop.example'))).body.toString(), 'shop /a')
  t.match(
    (await body(get('/b', 'WWW.Shop.Example.:8080'))).body.toString(),
    'shop /b',
    'case, trailing dot and port do not matter',
  )
  t.match((await body(get('/c', 'news.blog.example'))).body.toString(), 'blog /c', 'wildcard')
  const connections = shop.connections + blog.connections
  for (const host of ['blog.example', 'other.example', '127.0.0.1']) {
    const r = await body(get('/', host))
    t.equal(r.statusLine, 'HTTP/1.1 421 Misdirected Request', `${host}: 421`)
  }
  t.equal(shop.connections + blog.connections, connections, 'no upstream connection for unknown hosts')
  const noHost = await body('GET / HTTP/1.0\r\n\r\n')
  t.equal(noHost.statusLine, 'HTTP/1.1 400 Bad Request', 'no Host: 400')
  const twoHosts = await body(
    'GET / HTTP/1.1\r\nHost: shop.example\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
  )
  t.equal(twoHosts.statusLine, 'HTTP/1.1 400 Bad Request', 'two Hosts: 400')
})

t.test('an absolute-form target never picks the upstream', async (t) => {
  const { shop, blog, proxy } = await twoSites(t)
  const ok = parseResponse(
    await rawRequest(
      proxy.port,
      'GET http://shop.example/x?q=1 HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n',
    ),
  )
  t.match(ok.body.toString(), 'shop /x?q=1', 'forwarded in origin-form when it matches Host')
  const before = shop.connections + blog.connections
  for (const target of [`http://127.0.0.1:${blog.port}/`, 'http://evil.example/', 'ftp://shop.example/']) {
    const r = parseResponse(
      await rawRequest(
        proxy.port,
        `GET ${target} HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n`,
      ),
    )
    t.equal(r.statusLine, 'HTTP/1.1 400 Bad Request', `${target}: 400`)
  }
  t.equal(shop.connections + blog.connections, before, 'no upstream connection')
  const connect = await rawRequest(
    proxy.port,
    `CONNECT 127.0.0.1:${blog.port} HTTP/1.1\r\nHost: 127.0.0.1:${blog.port}\r\n\r\n`,
  )
  t.notMatch(connect.toString(), /^HTTP\/1.1 200/, 'CONNECT is not tunnelled')
  t.equal(shop.connections + blog.connections, before, 'no upstream connection for CONNECT')
})

t.test('hop-by-hop headers stay on their hop; X-Forwarded-* say what the proxy saw', async (t) => {
  const upstream = await startUpstream(t, (_req, res) => {
    res.sendDate = false
    res.writeHead(200, [
      'Content-Type',
      'text/html',
      'Connection',
      'X-Internal, keep-alive',
      'X-Internal',
      'secret',
      'Keep-Alive',
      'timeout=5',
      'Proxy-Authenticate',
      'Basic',
      'Trailer',
      'X-Checksum',
      'X-Kept',
      'one',
      'Set-Cookie',
      'a=1',
      'x-kept',
      'two',
      'Set-Cookie',
      'b=2',
    ])
    res.end(html('ok'))
  })
  const proxy = await startProxy(t, {
    sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
  })
  const sent = [
    'Connection: close, X-Hop, Upgrade',
    'X-Hop: 1',
    'Keep-Alive: 300',
    'TE: trailers',
    'Upgrade: websocket',
    'Proxy-Authorization: Basic eDp5',
    'Proxy-Connection: keep-alive',
    'X-Forwarded-For: 6.6.6.6',
    'X-Forwarded-Host: evil.example',
    'X-Forwarded-Proto: https',
    'Forwarded: for=6.6.6.6',
    'X-End-To-End: kept',
    '',
  ].join('\r\n')
  const r = parseResponse(
    await rawRequest(proxy.port, `GET / HTTP/1.1\r\nHost: site.example:8080\r\n${sent}\r\n`),
  )
  t.equal(r.statusLine, 'HTTP/1.1 200 OK', 'an Upgrade request is answered as plain HTTP')
  const seen = upstream.requests[0]!.headers
  for (const name of [
    'x-hop',
    'keep-alive',
    'te',
    'upgrade',
    'proxy-authorization',
    'proxy-connection',
    'forwarded',
  ]) {
    t.notOk(name in seen, `${name} not forwarded`)
  }
  t.equal(seen.connection, 'keep-alive', "the upstream connection's own Connection (the agent's)")
  t.equal(seen['x-end-to-end'], 'kept')
  t.equal(seen.host, 'site.example:8080', 'Host as the client sent it')
  t.equal(seen['x-forwarded-for'], '127.0.0.1', 'client-sent X-Forwarded-For replaced')
  t.equal(seen['x-forwarded-host'], 'site.example:8080')
  t.equal(seen['x-forwarded-proto'], 'http')
  t.same(
    r.headers.filter(([n]) => !['connection', 'transfer-encoding'].includes(n.toLowerCase())),
    [
      ['Content-Type', 'text/html'],
      ['X-Kept', 'one'],
      ['Set-Cookie', 'a=1'],
      ['x-kept', 'two'],
      ['Set-Cookie', 'b=2'],
    ],
    'end-to-end response headers in order, case and repetition; hop-by-hop ones gone',
  )
})

t.test(
  'trustProxy: X-Forwarded-Proto gives the document scheme, X-Forwarded-For is appended to',
  async (t) => {
    // On an https page an http image is not 'self' (CSP3 §6.7.2.8 allows only the upgrade http -> https).
    const upstream = await startUpstream(t, (_req, res) =>
      res.end(html('<img src="http://site.example/a.png">')),
    )
    const policy = parsePolicy({ action: 'report', directives: { 'default-src': ["'self'"] } })
    for (const trustProxy of [false, true]) {
      const proxy = await startProxy(t, {
        trustProxy,
        sites: [{ name: 'site', target: upstream.url, policy }],
      })
      await rawRequest(
        proxy.port,
        get('/', 'site.example', 'X-Forwarded-Proto: https\r\nX-Forwarded-For: 10.0.0.1\r\n'),
      )
      const text = await metricsText(proxy.metricsUrl)
      t.equal(
        metric(text, 'tagwarden_responses_total', { verdict: 'violation' }),
        trustProxy ? 1 : 0,
        `trustProxy ${trustProxy}`,
      )
      const seen = upstream.requests.at(-1)!.headers
      t.equal(seen['x-forwarded-for'], trustProxy ? '10.0.0.1, 127.0.0.1' : '127.0.0.1')
      t.equal(seen['x-forwarded-proto'], trustProxy ? 'https' : 'http')
    }
  },
)

t.test(
  'the path reaches the upstream exactly as sent; /metrics and /healthz are the site’s own paths',
  async (t) => {
    const upstream = await startUpstream(t, (req, res) => res.end(html(`path ${req.url}`)))
    const proxy = await startProxy(t, {
      sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
    })
    for (const path of ['//a//b/../c?x=//y&z=%2F', '/%7Euser/a%20b', '/metrics', '/healthz']) {
      const r = parseResponse(await rawRequest(proxy.port, get(path)))
      t.equal(upstream.requests.at(-1)!.url, path, `${path} forwarded unchanged`)
      t.match(r.body.toString(), `path ${path}`)
    }
  },
)

t.test('a replaced block page, with the request id', async (t) => {
  const upstream = await startUpstream(t, (_req, res) =>
    res.end(html('<iframe src="//evil.example/"></iframe>')),
  )
  const proxy = await startProxy(t, {
    blockPage: '<p>Nope. Quote {{requestId}}.</p>',
    sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
  })
  const r = parseResponse(await rawRequest(proxy.port, get('/')))
  t.equal(r.statusLine, 'HTTP/1.1 502 Bad Gateway')
  t.match(r.body.toString(), /^<p>Nope\. Quote [0-9a-f-]{36}\.<\/p>$/)
  t.same(
    r.headers.find(([n]) => n === 'cache-control'),
    ['cache-control', 'no-store'],
  )
})
