/**
 * A real browser (Debian's headless chromium) loads a page whose upstream injected an <iframe>
 * pointing at a second local server. Through the proxy in block, that server receives no request at
 * all; without the proxy, or in report, it does (the control), and the violation counter moves.
 */
import t from 'tap'
import { chromiumPath, loadInChromium } from './helpers/chromium.js'
import { metric, metricsText, startProxy, startUpstream } from './helpers/proxy.js'
import { blockPolicy, reportPolicy } from './helpers/proxy-pages.js'

t.test('an injected iframe never reaches the browser through the proxy in block', async (t) => {
  const chromium = chromiumPath()
  if (chromium === undefined) {
    t.fail('chromium is not installed: apt-get install -y chromium (.ci/run installs it)')
    return
  }
  const evil = await startUpstream(t, (_req, res) => res.end('<!doctype html><p>exploit</p>'))
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head><body>
<h1>Welcome</h1><iframe src="http://127.0.0.1:${evil.port}/exploit" width="1" height="1"></iframe></body></html>`
  const origin = await startUpstream(t, (req, res) => {
    if (req.url !== '/') return void res.writeHead(404, { 'content-type': 'text/plain' }).end() // /favicon.ico
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page)
  })

  const direct = await loadInChromium(chromium, `${origin.url}/`)
  t.match(direct, '<h1>Welcome</h1>')
  t.equal(evil.requests.length, 1, 'control, without the proxy: the browser loads the iframe')

  const blocking = await startProxy(t, {
    sites: [{ name: 'shop', target: origin.url, policy: blockPolicy() }],
  })
  const blocked = await loadInChromium(chromium, `${blocking.url}/`)
  t.match(blocked, '502 Blocked', 'the browser got the block page')
  t.notMatch(blocked, 'Welcome')
  t.equal(evil.requests.length, 1, 'block: the iframe server received no request at all')
  const blockedMetrics = await metricsText(blocking.metricsUrl)
  t.equal(
    metric(blockedMetrics, 'tagwarden_violations_total', {
      site: 'shop',
      directive: 'frame-src',
      action: 'blocked',
    }),
    1,
  )

  const reporting = await startProxy(t, {
    sites: [{ name: 'shop', target: origin.url, policy: reportPolicy() }],
  })
  const reported = await loadInChromium(chromium, `${reporting.url}/`)
  t.match(reported, '<h1>Welcome</h1>', 'report: the page as sent')
  t.equal(evil.requests.length, 2, 'control, report: the browser loads the iframe')
  const reportedMetrics = await metricsText(reporting.metricsUrl)
  t.equal(
    metric(reportedMetrics, 'tagwarden_violations_total', {
      site: 'shop',
      directive: 'frame-src',
      action: 'reported',
    }),
    1,
  )
})
