/**
 * The exporter as Prometheus scrapes it, against a real origin on 127.0.0.1: every outcome a probe
 * can have is an answer of the same shape (success, violations by directive, the failure's reason),
 * a target outside the configuration is a 400 that fetches nothing, and concurrent scrapes of
 * different targets each get their own answer.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { parsePolicy } from '../src/index.js'
import { metric, startUpstream, type Upstream } from './helpers/proxy.js'
import { promtool, runPromtool, scrape, startExporter } from './helpers/probe.js'

const POLICY = parsePolicy({ directives: { 'default-src': ["'self'"] } }, 'probe-test')
const CLEAN = '<!doctype html><title>shop</title><p>Welcome</p><script src="/app.js"></script>'
const INJECTED = `${CLEAN}<iframe src="http://evil.example/x" width=0 height=0></iframe>`

function html(res: import('node:http').ServerResponse, body: string | Buffer, extra = {}) {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', ...extra })
  res.end(body)
}

async function origin(t: { teardown: (fn: () => unknown) => void }): Promise<Upstream> {
  return startUpstream(t, (req, res) => {
    const path = req.url ?? '/'
    if (path === '/') return html(res, CLEAN)
    if (path === '/injected') return html(res, INJECTED)
    if (path === '/gzip') return html(res, gzipSync(INJECTED), { 'content-encoding': 'gzip' })
    if (path === '/500') {
      res.writeHead(500, { 'content-type': 'text/html' })
      return res.end('<p>oops')
    }
    if (path === '/loop-a') return res.writeHead(302, { location: '/loop-b' }).end()
    if (path === '/loop-b') return res.writeHead(301, { location: '/loop-a' }).end()
    if (path === '/moved') return res.writeHead(301, { location: '/' }).end()
    if (path === '/off-site') return res.writeHead(302, { location: 'http://169.254.169.254/latest/' }).end()
    if (path === '/slow') return // never answers: the probe's timeout must end it
    if (path === '/huge') {
      // 4 MiB of clean markup, then an injection the body bound never lets the probe see.
      res.writeHead(200, { 'content-type': 'text/html' })
      res.write(CLEAN)
      res.write(Buffer.alloc(4 * 1024 * 1024, 'a'))
      return res.end('<iframe src="http://evil.example/late"></iframe>')
    }
    if (path === '/bomb') {
      return html(res, gzipSync(Buffer.alloc(64 * 1024 * 1024, ' ')), { 'content-encoding': 'gzip' })
    }
    if (path === '/json') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end('{}')
    }
    res.writeHead(404).end()
  })
}

t.test('each outcome of a probe, as Prometheus reads it', async (t) => {
  const up = await origin(t)
  const { url, logs } = await startExporter(t, {
    sites: [],
    policy: POLICY,
    probe: { allow: [`${up.url}/`], timeout: 2000, maxBodyBytes: 1024 * 1024, maxRedirects: 3 },
    limits: { maxDecodedBytes: 8 * 1024 * 1024 },
  })
  const cases: [path: string, success: number, failure: string | null, frames: number][] = [
    ['/', 1, null, 0],
    ['/injected', 0, null, 1],
    ['/gzip', 0, null, 1],
    ['/moved', 1, null, 0],
    ['/500', 0, 'http_status', 0],
    ['/loop-a', 0, 'redirect_loop', 0],
    ['/off-site', 0, 'off_site_redirect', 0],
    ['/huge', 0, 'body_too_large', 0],
    ['/bomb', 0, 'body_too_large', 0],
    ['/json', 0, 'not_html', 0],
  ]
  for (const [path, success, failure, frames] of cases) {
    const s = await scrape(url, `${up.url}${path}`)
    t.equal(s.status, 200, `${path}: a failed probe is still a scrape that worked`)
    t.equal(s.value('tagwarden_probe_success'), success, `${path}: success`)
    t.equal(s.value('tagwarden_probe_violations', { directive: 'frame-src' }), frames, `${path}: frames`)
    t.equal(s.value('tagwarden_probe_violations', { directive: 'pin' }), 0, `${path}: pin series present`)
    for (const reason of ['http_status', 'redirect_loop', 'off_site_redirect', 'body_too_large', 'timeout']) {
      t.equal(s.value('tagwarden_probe_failed', { reason }), reason === failure ? 1 : 0, `${path}: ${reason}`)
    }
    t.ok(s.value('tagwarden_probe_duration_seconds', { phase: 'total' }) > 0, `${path}: total time`)
    t.notOk(/target=|127\.0\.0\.1/.test(s.text), `${path}: no URL in the exposition`)
  }
  t.equal((await scrape(url, `${up.url}/500`)).value('tagwarden_probe_http_status_code'), 500)
  const moved = await scrape(url, `${up.url}/moved`)
  t.equal(moved.value('tagwarden_probe_redirects'), 1)
  t.equal(moved.value('tagwarden_probe_http_status_code'), 200)
  t.equal(moved.value('tagwarden_probe_content_length_bytes'), Buffer.byteLength(CLEAN))
  t.notOk(
    up.requests.some((r) => r.url.includes('latest')),
    'the off-site redirect was not followed (it was not even on this server)',
  )

  const violation = logs.find((l) => l.msg === 'violation' && l.target === `${up.url}/injected`)
  t.match(violation, { level: 40, directive: 'frame-src', element: 'iframe', url: 'http://evil.example/x' })
  const line = logs.find((l) => l.msg === 'probe' && l.target === `${up.url}/500`)
  t.match(line, { level: 50, success: false, failure: 'http_status', status: 500 })
})

t.test('a probe that does not finish in time fails with "timeout", within the scrape timeout', async (t) => {
  const up = await origin(t)
  const { url } = await startExporter(t, { policy: POLICY, probe: { allow: [`${up.url}/`], timeout: 300 } })
  const s = await scrape(url, `${up.url}/slow`)
  t.equal(s.value('tagwarden_probe_success'), 0)
  t.equal(s.value('tagwarden_probe_failed', { reason: 'timeout' }), 1)
  // Prometheus' own timeout, less 0.5 s, wins when shorter than the configured one.
  const { url: url2 } = await startExporter(t, {
    policy: POLICY,
    probe: { allow: [`${up.url}/`], timeout: 60_000 },
  })
  const s2 = await scrape(url2, `${up.url}/slow`, { scrapeTimeout: 0.8 })
  t.equal(s2.value('tagwarden_probe_failed', { reason: 'timeout' }), 1, 'ended by the scrape timeout')
})

t.test('the exporter is never an open fetcher: targets outside the configuration are a 400', async (t) => {
  const up = await origin(t)
  const other = await origin(t)
  const { url, exporter } = await startExporter(t, {
    sites: [{ name: 'shop', hosts: ['localhost', '*.shop.example'], policy: POLICY }],
    probe: { allow: [`${up.url}/`] },
  })
  const bad = [
    `${other.url}/`, // another port on an allowed host: a host allows ports 80 and 443 only
    `http://localhost:${other.port}/`,
    'http://169.254.169.254/latest/meta-data/',
    'file:///etc/passwd',
    `http://user:pw@127.0.0.1:${up.port}/`,
    'not a url',
  ]
  for (const target of bad) {
    const s = await scrape(url, target)
    t.equal(s.status, 400, target)
    t.match(s.text, /^target: /, `${target}: says why`)
  }
  const unknownSite = await scrape(url, `${up.url}/`, { site: 'nope' })
  t.equal(unknownSite.status, 400)
  t.match(unknownSite.text, /no site is named "nope"/)
  // Allowed by the prefix, but no site matches 127.0.0.1 and there is no top-level policy.
  const noPolicy = await scrape(url, `${up.url}/`)
  t.equal(noPolicy.status, 400)
  t.match(noPolicy.text, /site=NAME/)
  const named = await scrape(url, `${up.url}/`, { site: 'shop' })
  t.equal(named.value('tagwarden_probe_success'), 1, 'with site=shop the prefix-allowed target is probed')
  t.equal(other.requests.length, 0, 'nothing reached the server that is not configured')
  const missing = await fetch(`${url}/probe`)
  t.equal(missing.status, 400)
  const own = await exporter.metrics.registry.metrics()
  t.equal(metric(own, 'tagwarden_probe_requests_rejected_total', { reason: 'bad_target' }), bad.length + 3)
  t.equal(metric(own, 'tagwarden_probes_total', { site: 'shop', result: 'success' }), 1)
})

t.test('several targets scraped concurrently each get their own answer; /metrics counts them', async (t) => {
  const up = await origin(t)
  const { url } = await startExporter(t, {
    policy: POLICY,
    probe: { allow: [`${up.url}/`], concurrency: 3 },
  })
  const paths = [
    '/',
    '/injected',
    '/500',
    '/gzip',
    '/',
    '/injected',
    '/moved',
    '/loop-a',
    '/',
    '/json',
    '/gzip',
    '/',
  ]
  const scrapes = await Promise.all(paths.map((p) => scrape(url, `${up.url}${p}`)))
  for (const [i, s] of scrapes.entries()) {
    const path = paths[i]!
    const injected = path === '/injected' || path === '/gzip'
    t.equal(
      s.value('tagwarden_probe_violations', { directive: 'frame-src' }),
      injected ? 1 : 0,
      `${i} ${path}`,
    )
    t.equal(s.value('tagwarden_probe_success'), path === '/' || path === '/moved' ? 1 : 0, `${i} ${path}`)
  }
  const own = await (await fetch(`${url}/metrics`)).text()
  const site = '(default)'
  t.equal(metric(own, 'tagwarden_probes_total', { site, result: 'success' }), 5)
  t.equal(metric(own, 'tagwarden_probes_total', { site, result: 'violation' }), 4)
  t.equal(metric(own, 'tagwarden_probes_total', { site, result: 'failure' }), 3)
  t.equal(metric(own, 'tagwarden_violations_total', { site, directive: 'frame-src', action: 'reported' }), 4)
  t.equal(metric(own, 'tagwarden_probes_in_flight'), 0)
  t.equal((await fetch(`${url}/healthz`)).status, 200)
  t.equal((await fetch(`${url}/`)).status, 404)
})

t.test('a full queue is a 503, not an unbounded pile of fetches', async (t) => {
  const up = await origin(t)
  const { url, exporter } = await startExporter(t, {
    policy: POLICY,
    probe: { allow: [`${up.url}/`], concurrency: 1, maxQueued: 1, timeout: 400 },
  })
  const answers = await Promise.all([1, 2, 3].map(() => scrape(url, `${up.url}/slow`)))
  t.same(answers.map((a) => a.status).sort(), [200, 200, 503])
  const own = await exporter.metrics.registry.metrics()
  t.equal(metric(own, 'tagwarden_probe_requests_rejected_total', { reason: 'overloaded' }), 1)
})

t.test('promtool accepts what /probe and /metrics answer', async (t) => {
  const bin = promtool()
  if (bin === undefined) {
    t.fail('promtool is not installed: apt-get install -y prometheus (.ci/run installs it)')
    return
  }
  const up = await origin(t)
  const { url } = await startExporter(t, { policy: POLICY, probe: { allow: [`${up.url}/`] } })
  for (const path of ['/', '/injected', '/500']) {
    const { text } = await scrape(url, `${up.url}${path}`)
    const check = await runPromtool(bin, ['check', 'metrics'], text)
    t.equal(check.code, 0, `/probe of ${path}: ${check.output}`)
  }
  // prom-client's default Node.js gauges are named `*_total` (promtool's lint objects): ours only.
  const own = (await (await fetch(`${url}/metrics`)).text())
    .split('\n')
    .filter((line) => !/^(# (HELP|TYPE) )?nodejs_active_/.test(line))
    .join('\n')
  const check = await runPromtool(bin, ['check', 'metrics'], own)
  t.equal(check.code, 0, `/metrics: ${check.output}`)
})

t.test(
  'examples/prometheus: probe.yml and probe-alerts.yml pass promtool, on metrics the exporter serves',
  async (t) => {
    const bin = promtool()
    if (bin === undefined) {
      t.fail('promtool is not installed: apt-get install -y prometheus (.ci/run installs it)')
      return
    }
    const dir = join(import.meta.dirname, '..', 'examples', 'prometheus')
    const config = await runPromtool(bin, ['check', 'config', join(dir, 'probe.yml')], '')
    t.equal(config.code, 0, config.output)
    const rules = await runPromtool(bin, ['check', 'rules', join(dir, 'probe-alerts.yml')], '')
    t.equal(rules.code, 0, rules.output)
    // Every metric the rules name is one a real scrape of an injected page answers.
    const up = await origin(t)
    const { url } = await startExporter(t, { policy: POLICY, probe: { allow: [`${up.url}/`] } })
    const { text } = await scrape(url, `${up.url}/injected`)
    const named = readFileSync(join(dir, 'probe-alerts.yml'), 'utf8').matchAll(/\b(tagwarden_probe_[a-z_]+)/g)
    for (const [, name] of named) t.match(text, new RegExp(`^${name}[{ ]`, 'm'), `${name} is served`)
  },
)
