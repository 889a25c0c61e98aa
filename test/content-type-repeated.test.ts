/**
 * A response with two Content-Type fields, `text/plain` then `text/html`: Node keeps the first, the
 * browser combines them and renders HTML (Fetch "extract a MIME type": the last parsable type wins).
 * The proxy, attachInspector and the probe judge it as the browser reads it: an injected iframe in
 * it is found.
 */
import httpProxy from 'http-proxy'
import t from 'tap'
import { attachInspector } from '../src/entries/embed.js'
import { parsePolicy } from '../src/index.js'
import { tagwarden } from './helpers/cli.js'
import { serve } from './helpers/embed.js'
import { startProxy, startUpstream } from './helpers/proxy.js'

const PAGE = '<!doctype html><p>hi</p><iframe src="http://evil.example/x"></iframe>'
const policy = () => parsePolicy({ action: 'block', directives: { 'frame-src': ["'none'"] } })

async function twoTypes(t: Parameters<typeof startUpstream>[0]) {
  return startUpstream(t, (_req, res) => {
    // Two header lines, in this order, as a misconfigured (or tampered) server sends them.
    res.setHeader('Content-Type', ['text/plain', 'text/html'])
    res.end(PAGE)
  })
}

t.test('the proxy blocks it', async (t) => {
  const upstream = await twoTypes(t)
  const proxy = await startProxy(t, { sites: [{ name: 'site', target: upstream.url, policy: policy() }] })
  const response = await fetch(`${proxy.url}/`)
  t.equal(response.status, 502)
  t.notMatch(await response.text(), 'evil.example')
})

t.test('attachInspector blocks it', async (t) => {
  const upstream = await twoTypes(t)
  const server = httpProxy.createProxyServer({ target: upstream.url, selfHandleResponse: true })
  t.teardown(() => server.close())
  attachInspector(server, { policy: policy() })
  const port = await serve(t, (req, res) => server.web(req, res))
  const response = await fetch(`http://127.0.0.1:${port}/`)
  t.equal(response.status, 502)
})

t.test('the probe finds it', async (t) => {
  const upstream = await twoTypes(t)
  const result = await tagwarden(['probe', '--csp', "frame-src 'none'", `${upstream.url}/`])
  t.equal(result.status, 1, result.stderr)
  t.match(result.stdout, /frame-src: <iframe src="http:\/\/evil\.example\/x">/)
})
