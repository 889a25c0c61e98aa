/**
 * The real `tagwarden proxy` process in front of a real upstream: clean pages come through
 * byte-identical (status, end-to-end headers, body as sent), injected ones are blocked or reported.
 */
import { join } from 'node:path'
import t from 'tap'
import {
  endToEnd,
  get,
  metric,
  metricsText,
  parseResponse,
  rawRequest,
  spawnProxy,
  startUpstream,
} from './helpers/proxy.js'
import { POLICY_DIRECTIVES, VARIANTS, servePage } from './helpers/proxy-pages.js'

const BLOCK_PAGE =
  /^<!doctype html>[\s\S]*502 Blocked[\s\S]*Request ID: [0-9a-f-]{36}<\/p><\/body><\/html>\n$/

t.test('clean pages byte-identical, injected ones blocked (shop) or reported (blog)', async (t) => {
  const upstream = await startUpstream(t, servePage)
  const policy = (action: string): string => JSON.stringify({ action, directives: POLICY_DIRECTIVES })
  const dir = t.testdir({
    'block.json': policy('block'),
    'report.json': policy('report'),
    'proxy.yaml': [
      'sites:',
      '  - name: shop',
      '    hosts: [shop.example]',
      `    target: ${upstream.url}`,
      '    policy: ./block.json',
      '  - name: blog',
      '    hosts: [blog.example]',
      `    target: ${upstream.url}`,
      '    policy: ./report.json',
      '',
    ].join('\n'),
  })
  const cli = await spawnProxy(t, ['--config', join(dir, 'proxy.yaml')])
  const port = Number(new URL(cli.url).port)

  for (const variant of VARIANTS) {
    const direct = parseResponse(await rawRequest(upstream.port, get(`/${variant}`, 'shop.example')))
    t.equal(direct.statusLine, 'HTTP/1.1 200 OK', `${variant}: the upstream serves it`)
    for (const host of ['shop.example', 'blog.example']) {
      const via = parseResponse(await rawRequest(port, get(`/${variant}`, host)))
      t.equal(via.statusLine, direct.statusLine, `${variant} via ${host}: status`)
      t.same(
        endToEnd(via.headers),
        endToEnd(direct.headers),
        `${variant} via ${host}: headers, in order, as sent`,
      )
      t.equal(via.chunked, direct.chunked, `${variant} via ${host}: same framing`)
      t.ok(via.complete, `${variant} via ${host}: complete`)
      t.ok(via.body.equals(direct.body), `${variant} via ${host}: body bytes identical`)
    }

    const injected = `/${variant}/injected`
    const directInjected = parseResponse(await rawRequest(upstream.port, get(injected, 'blog.example')))
    const reported = parseResponse(await rawRequest(port, get(injected, 'blog.example')))
    t.equal(reported.statusLine, 'HTTP/1.1 200 OK', `${variant} injected, report: passes`)
    t.ok(reported.body.equals(directInjected.body), `${variant} injected, report: byte-identical`)

    const blocked = parseResponse(await rawRequest(port, get(injected, 'shop.example')))
    t.notOk(blocked.raw.includes('evil.example'), `${variant} injected, block: no byte of the iframe`)
    if (variant === 'tiny-chunks') {
      // The clean start was released (and headers with it) before the iframe arrived: the connection is cut.
      t.equal(blocked.statusLine, 'HTTP/1.1 200 OK', `${variant}: headers had gone out`)
      t.notOk(blocked.complete, `${variant}: cut, never ended cleanly`)
    } else {
      t.equal(blocked.statusLine, 'HTTP/1.1 502 Bad Gateway', `${variant} injected, block: 502`)
      t.match(
        blocked.body.toString(),
        BLOCK_PAGE,
        `${variant}: the block page and nothing of the upstream's body`,
      )
    }
  }

  const text = await metricsText(cli.metricsUrl)
  const n = VARIANTS.length
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'shop', verdict: 'clean' }), n)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'shop', verdict: 'violation' }), n)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'blog', verdict: 'clean' }), n)
  t.equal(metric(text, 'tagwarden_responses_total', { site: 'blog', verdict: 'violation' }), n)
  t.equal(
    metric(text, 'tagwarden_violations_total', { site: 'shop', directive: 'frame-src', action: 'blocked' }),
    n,
  )
  t.equal(
    metric(text, 'tagwarden_violations_total', { site: 'blog', directive: 'frame-src', action: 'reported' }),
    n,
  )
  t.equal(metric(text, 'tagwarden_inspection_seconds_count', { site: 'shop' }), 2 * n)
  t.ok(metric(text, 'tagwarden_inspected_bytes_total', { site: 'blog' }) > 0, 'inspected bytes counted')
  t.ok(metric(text, 'process_cpu_user_seconds_total') > 0, "prom-client's default process metrics")

  const violations = cli.lines.filter((l) => l.msg === 'violation')
  t.equal(violations.length, 2 * n, 'one log line per violation')
  t.match(violations[0], {
    level: 40,
    reqId: /^[0-9a-f-]{36}$/,
    site: String,
    method: 'GET',
    path: '/identity/injected',
    directive: 'frame-src',
    element: 'iframe',
    url: 'http://evil.example/x',
  })

  cli.child.kill('SIGTERM')
  t.equal(await cli.exited, 0, 'SIGTERM: exit 0')
  t.equal(cli.stderr(), '', 'nothing on stderr')
})
