import { request } from 'node:http'
import t from 'tap'
import { Registry, register as globalRegistry } from 'prom-client'
import { CHECKED_DIRECTIVES } from '../src/index.js'
import { RESPONSE_VERDICTS, UPSTREAM_ERROR_KINDS, createMetrics } from '../src/entries/proxy.js'
import { createMetricsServer } from '../src/metrics/server.js'
import { closeServer, listen, metric } from './helpers/proxy.js'

const NAMES = [
  'tagwarden_responses_total',
  'tagwarden_violations_total',
  'tagwarden_inspected_bytes_total',
  'tagwarden_inspection_seconds',
  'tagwarden_upstream_errors_total',
]

t.test('a private registry by default, with the fixed names and default process metrics', async (t) => {
  const a = createMetrics({ sites: ['shop'] })
  const b = createMetrics({ sites: ['shop'] })
  t.not(a.registry, b.registry, 'two metric sets never collide')
  t.same(
    NAMES.filter((n) => a.registry.getSingleMetric(n) !== undefined),
    NAMES,
  )
  t.equal(
    globalRegistry.getSingleMetric('tagwarden_responses_total'),
    undefined,
    'the global registry is untouched',
  )
  const text = await a.registry.metrics()
  t.match(text, /^process_cpu_user_seconds_total /m)
  // Every series of a configured site exists at 0, so the first violation is an increase.
  for (const verdict of RESPONSE_VERDICTS)
    t.match(text, `tagwarden_responses_total{site="shop",verdict="${verdict}"} 0`)
  for (const directive of CHECKED_DIRECTIVES) {
    t.match(text, `tagwarden_violations_total{site="shop",directive="${directive}",action="blocked"} 0`)
    t.match(text, `tagwarden_violations_total{site="shop",directive="${directive}",action="reported"} 0`)
  }
  for (const kind of UPSTREAM_ERROR_KINDS)
    t.match(text, `tagwarden_upstream_errors_total{site="shop",kind="${kind}"} 0`)
  t.match(text, 'tagwarden_inspection_seconds_count{site="shop"} 0')
  a.violations.inc({ site: 'shop', directive: 'frame-src', action: 'blocked' })
  t.equal(
    metric(await a.registry.metrics(), 'tagwarden_violations_total', {
      directive: 'frame-src',
      action: 'blocked',
    }),
    1,
  )
})

t.test("the host application's registry, when passed, without default metrics", async (t) => {
  const registry = new Registry()
  createMetrics({ registry })
  const text = await registry.metrics()
  t.match(text, /tagwarden_responses_total/)
  t.notMatch(text, /process_cpu_user_seconds_total/)
})

function fetchRaw(
  port: number,
  method: string,
  path: string,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d))
      res.on('end', () =>
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }),
      )
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('the metrics listener serves GET /metrics and GET /healthz, nothing else', async (t) => {
  const m = createMetrics({ sites: ['shop'] })
  let healthy = true
  const server = createMetricsServer(
    { metrics: () => m.registry.metrics(), contentType: m.registry.contentType, healthy: () => healthy },
    () => {},
  )
  const port = await listen(server)
  t.teardown(() => closeServer(server))
  const metrics = await fetchRaw(port, 'GET', '/metrics')
  t.equal(metrics.status, 200)
  t.match(metrics.type, 'text/plain; version=0.0.4')
  t.match(metrics.body, 'tagwarden_responses_total{site="shop",verdict="clean"} 0')
  t.same(await fetchRaw(port, 'GET', '/healthz'), {
    status: 200,
    type: 'text/plain; charset=utf-8',
    body: 'ok\n',
  })
  t.equal((await fetchRaw(port, 'HEAD', '/healthz')).body, '')
  t.equal((await fetchRaw(port, 'GET', '/')).status, 404)
  t.equal((await fetchRaw(port, 'GET', '/metrics/x')).status, 404)
  t.equal((await fetchRaw(port, 'POST', '/metrics')).status, 405)
  healthy = false
  t.equal((await fetchRaw(port, 'GET', '/healthz')).status, 503, 'shutting down: out of the load balancer')
})

t.test('a second createMetrics on the same registry shares the set already there', async (t) => {
  const registry = new Registry()
  const first = createMetrics({ registry, sites: ['a'] })
  const second = createMetrics({ registry, sites: ['b'] })
  t.equal(second.responses, first.responses, 'the same counter, not a clash')
  const text = await registry.metrics()
  t.match(text, /tagwarden_responses_total\{site="a",verdict="clean"\} 0/)
  t.match(
    text,
    /tagwarden_responses_total\{site="b",verdict="clean"\} 0/,
    'the second set of sites is zeroed too',
  )
})
