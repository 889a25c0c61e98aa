/**
 * Issue 11, defect 4: in report, a compressed response whose client closed the connection right
 * after the last byte lost its violations — the inspection still decompressing was aborted, nothing
 * was counted or logged, and the response was counted `verdict="error"` (a bomb: `error`, not
 * `limit`). A delivered response is inspected to its end, whoever leaves first.
 */
import { gzipSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { ENCODINGS, compress, getAndLeave, longPage } from './helpers/client-close.js'
import { metric, metricsText, startProxy, startUpstream, until } from './helpers/proxy.js'
import { INJECTION, blockPolicy, reportPolicy } from './helpers/proxy-pages.js'

const PER_ENCODING = 20

const page = longPage()
const bodies = Object.fromEntries(ENCODINGS.map((e) => [e, compress(e, page)]))
const bomb = gzipSync(`<!doctype html><p>${'a'.repeat(16 * 1024 * 1024)}</p>`)

async function serve(t: Test) {
  return startUpstream(t, (req, res) => {
    const encoding = (req.url ?? '').slice(1)
    const body = encoding === 'bomb' ? bomb : bodies[encoding]!
    res.writeHead(200, {
      'content-type': 'text/html; charset=utf-8',
      'content-encoding': encoding === 'bomb' ? 'gzip' : encoding,
      'content-length': body.length,
    })
    res.end(body)
  })
}

t.test(
  'report: violations in compressed responses whose client closes after the last byte are counted',
  async (t) => {
    const upstream = await serve(t)
    // A site per encoding: the metrics then count each apart.
    const proxy = await startProxy(t, {
      sites: ENCODINGS.map((e) => ({
        name: e,
        hosts: [`${e}.example`],
        target: upstream.url,
        policy: reportPolicy(),
      })),
    })
    for (const encoding of ENCODINGS) {
      const received = await Promise.all(
        Array.from({ length: PER_ENCODING }, (_, i) =>
          getAndLeave(proxy.port, `${encoding}.example`, `/${encoding}`, i % 2 === 0),
        ),
      )
      t.ok(
        received.every((n) => n === bodies[encoding]!.length),
        `${encoding}: every client got the whole body`,
      )
    }
    await until(() => proxy.proxy.inFlight === 0, 'every exchange to end')
    const text = await metricsText(proxy.metricsUrl)
    for (const site of ENCODINGS) {
      const counted = metric(text, 'tagwarden_violations_total', {
        site,
        directive: 'frame-src',
        action: 'reported',
      })
      t.equal(
        counted,
        PER_ENCODING,
        `${site}: every delivered violation counted (${counted}/${PER_ENCODING})`,
      )
      t.equal(metric(text, 'tagwarden_responses_total', { site, verdict: 'violation' }), PER_ENCODING)
      t.equal(
        metric(text, 'tagwarden_responses_total', { site, verdict: 'error' }),
        0,
        `${site}: none an error`,
      )
      const logged = proxy.logs.filter((l) => l.msg === 'violation' && l.site === site).length
      t.equal(logged, PER_ENCODING, `${site}: every violation logged`)
    }
  },
)

t.test(
  'report: a bomb whose client closes after the last byte is counted as a limit, not an error',
  async (t) => {
    const upstream = await serve(t)
    const proxy = await startProxy(t, {
      sites: [{ name: 'site', target: upstream.url, policy: reportPolicy() }],
    })
    const received = await Promise.all(
      Array.from({ length: 5 }, () => getAndLeave(proxy.port, 'site.example', '/bomb', false)),
    )
    t.ok(
      received.every((n) => n === bomb.length),
      'every client got the whole body',
    )
    await until(() => proxy.proxy.inFlight === 0, 'every exchange to end')
    const text = await metricsText(proxy.metricsUrl)
    t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'limit' }), 5)
    t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'error' }), 0)
  },
)

t.test(
  'block: a clean compressed response whose client closes after the last byte is counted clean',
  async (t) => {
    const clean = page.replace(INJECTION, '')
    const body = gzipSync(clean)
    const upstream = await startUpstream(t, (_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'content-encoding': 'gzip',
        'content-length': body.length,
      })
      res.end(body)
    })
    const proxy = await startProxy(t, {
      sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
    })
    await Promise.all(
      Array.from({ length: PER_ENCODING }, () => getAndLeave(proxy.port, 'site.example', '/', false)),
    )
    await until(() => proxy.proxy.inFlight === 0, 'every exchange to end')
    const text = await metricsText(proxy.metricsUrl)
    t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'clean' }), PER_ENCODING)
    t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'error' }), 0)
  },
)
