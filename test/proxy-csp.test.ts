/**
 * Issue 14, the browser as the last vantage point: a site's `csp.header` adds a CSP derived from its
 * policy to HTML responses, with the report endpoint on the site's own host; the proxy answers that
 * endpoint itself (never upstream), counts each report by directive, and refuses what is not a report.
 * With real Chromium: a page tampered with after the proxy — which saw it clean — is reported by the
 * visitor's browser, and the counter moves.
 */
import { request } from 'node:http'
import t, { type Test } from 'tap'
import { parsePolicy } from '../src/index.js'
import { chromiumPath, loadInChromium } from './helpers/chromium.js'
import { metric, metricsText, startProxy, startUpstream, until } from './helpers/proxy.js'

const REPORT_PATH = '/.well-known/tagwarden/csp-report'
const POLICY = () =>
  parsePolicy({ action: 'report', directives: { 'default-src': ["'self'"], 'frame-src': ["'none'"] } })
const PAGE = '<!doctype html><title>shop</title><p>Welcome</p>'

async function site(
  t: Test,
  header: 'report-only' | 'enforce' | 'off' | undefined,
  extra = {},
  reportTo = true,
) {
  const upstream = await startUpstream(t, (req, res) => {
    if (req.url === '/data.json')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{}')
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra })
    res.end(PAGE)
  })
  const proxy = await startProxy(t, {
    sites: [
      {
        name: 'shop',
        target: upstream.url,
        policy: POLICY(),
        ...(header === undefined ? {} : { csp: { header, reportTo } }),
      },
    ],
  })
  return { upstream, proxy }
}

function post(url: string, type: string, body: string | Buffer): Promise<{ status: number; text: string }> {
  return fetch(url, { method: 'POST', headers: { 'content-type': type }, body }).then(async (r) => ({
    status: r.status,
    text: await r.text(),
  }))
}

const legacyReport = (directive: string) =>
  JSON.stringify({
    'csp-report': {
      'document-uri': 'http://shop.example/',
      'effective-directive': directive,
      'violated-directive': directive,
      'blocked-uri': 'http://evil.example/x',
      disposition: 'report',
    },
  })

t.test('the header is derived from the policy, added to HTML only, beside the site own CSP', async (t) => {
  const { proxy } = await site(t, 'report-only', { 'content-security-policy': "script-src 'self'" })
  const page = await fetch(`${proxy.url}/`)
  const want =
    "script-src-elem 'self'; script-src-attr 'self'; style-src-elem 'self'; style-src-attr 'self'; " +
    `img-src 'self'; frame-src 'none'; object-src 'self'; report-uri ${REPORT_PATH}; report-to tagwarden`
  t.equal(page.headers.get('content-security-policy-report-only'), want)
  t.equal(page.headers.get('content-security-policy'), "script-src 'self'", "the site's own is kept")
  t.equal(page.headers.get('reporting-endpoints'), `tagwarden="${REPORT_PATH}"`)
  const json = await fetch(`${proxy.url}/data.json`)
  t.equal(json.headers.get('content-security-policy-report-only'), null, 'not on what is not HTML')

  const bare = await site(t, 'report-only', {}, false)
  const uriOnly = await fetch(`${bare.proxy.url}/`)
  t.equal(
    uriOnly.headers.get('content-security-policy-report-only'),
    want.replace('; report-to tagwarden', ''),
    'reportTo: false leaves report-uri alone',
  )
  t.equal(uriOnly.headers.get('reporting-endpoints'), null)

  const enforcing = await site(t, 'enforce')
  const enforced = await fetch(`${enforcing.proxy.url}/`)
  t.equal(enforced.headers.get('content-security-policy'), want)
  t.equal(enforced.headers.get('content-security-policy-report-only'), null)

  const off = await site(t, undefined)
  const plain = await fetch(`${off.proxy.url}/`)
  t.equal(plain.headers.get('content-security-policy-report-only'), null, 'off by default')
  t.equal(plain.headers.get('reporting-endpoints'), null)
  await post(`${off.proxy.url}${REPORT_PATH}`, 'application/csp-report', legacyReport('frame-src'))
  t.equal(off.upstream.requests.at(-1)?.url, REPORT_PATH, 'off: the path is the site own, forwarded')
})

t.test('the report endpoint counts reports and refuses the rest, never forwarding', async (t) => {
  const { upstream, proxy } = await site(t, 'report-only')
  const endpoint = `${proxy.url}${REPORT_PATH}`
  t.equal((await post(endpoint, 'application/csp-report', legacyReport('frame-src'))).status, 204)
  const batch = JSON.stringify([
    {
      type: 'csp-violation',
      body: {
        documentURL: 'http://shop.example/',
        effectiveDirective: 'script-src-elem',
        blockedURL: 'inline',
      },
    },
    {
      type: 'csp-violation',
      body: { documentURL: 'http://shop.example/', effectiveDirective: 'connect-src', blockedURL: 'x' },
    },
  ])
  t.equal((await post(endpoint, 'application/reports+json', batch)).status, 204)
  t.equal((await post(endpoint, 'application/csp-report', 'not json')).status, 400)
  t.equal((await post(endpoint, 'application/csp-report', Buffer.alloc(70 * 1024, 'a'))).status, 413)
  t.equal((await fetch(endpoint)).status, 405)
  t.equal(upstream.requests.length, 0, 'nothing reached the upstream')

  const text = await metricsText(proxy.metricsUrl)
  const reports = (directive: string) =>
    metric(text, 'tagwarden_browser_reports_total', { site: 'shop', directive })
  t.equal(reports('frame-src'), 1)
  t.equal(reports('script-src-elem'), 1)
  t.equal(reports('other'), 1, 'a directive tagwarden does not check: other, never free text')
  const rejected = (reason: string) =>
    metric(text, 'tagwarden_browser_reports_rejected_total', { site: 'shop', reason })
  t.same(['malformed', 'too_large', 'method', 'rate_limited'].map(rejected), [1, 1, 1, 0])
  t.match(
    proxy.logs.find((l) => l.msg === 'browser report'),
    {
      site: 'shop',
      directive: 'frame-src',
      blockedUrl: 'http://evil.example/x',
      documentUrl: 'http://shop.example/',
    },
  )

  // One client past its burst (100) is refused with 429 and counted; sent at once, so that the
  // refill (10 a second) cannot keep up whatever the machine's speed.
  const statuses = await Promise.all(
    Array.from({ length: 200 }, () =>
      post(endpoint, 'application/csp-report', legacyReport('img-src')).then((r) => r.status),
    ),
  )
  t.ok(statuses.includes(429), 'past the burst: 429')
  t.ok(statuses.filter((s) => s === 204).length >= 100, 'the burst itself is accepted')
  const after = await metricsText(proxy.metricsUrl)
  t.equal(
    metric(after, 'tagwarden_browser_reports_rejected_total', { site: 'shop', reason: 'rate_limited' }),
    statuses.filter((s) => s === 429).length,
  )
})

t.test('tampered after the proxy: the browser reports it, the proxy had seen the page clean', async (t) => {
  const chromium = chromiumPath()
  if (chromium === undefined) {
    t.fail('chromium is not installed: apt-get install -y chromium (.ci/run installs it)')
    return
  }
  // report-uri alone: Chromium, given report-to, ignores report-uri and leaves delivery to the
  // Reporting API, which sent nothing from headless Chromium here within 70 s (measured).
  const { upstream, proxy } = await site(t, 'report-only', {}, false)
  // The last hop: everything between the proxy and the browser passes here; HTML gets an iframe.
  const tamperer = await startUpstream(t, (req, res) => {
    const forward = request(
      `${proxy.url}${req.url}`,
      { method: req.method, headers: req.headers },
      (answer) => {
        const html = /text\/html/.test(answer.headers['content-type'] ?? '')
        const headers = { ...answer.headers }
        if (html) delete headers['content-length']
        res.writeHead(answer.statusCode ?? 502, headers)
        answer.pipe(res, { end: !html })
        if (html) answer.on('end', () => res.end('<iframe src="http://127.0.0.1:9/x"></iframe>'))
      },
    )
    forward.on('error', () => res.destroy())
    req.pipe(forward)
  })
  // A few seconds of virtual time after the load: the report is sent before the browser exits.
  await loadInChromium(chromium, `${tamperer.url}/`, ['--virtual-time-budget=5000'])
  await until(
    () => proxy.logs.some((l) => l.msg === 'browser report'),
    'the browser report to reach the proxy',
    30_000,
  )
  const text = await metricsText(proxy.metricsUrl)
  t.ok(metric(text, 'tagwarden_browser_reports_total', { site: 'shop', directive: 'frame-src' }) >= 1)
  t.ok(
    metric(text, 'tagwarden_responses_total', { site: 'shop', verdict: 'clean' }) >= 1,
    'the proxy saw it clean',
  )
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'shop', verdict: 'violation' }), 0)
  t.notOk(
    proxy.logs.some((l) => l.msg === 'violation'),
    'and logged no violation',
  )
  t.notOk(
    upstream.requests.some((r) => r.url === REPORT_PATH),
    'the report never reached the upstream',
  )
})
