/**
 * A client that leaves mid-response releases everything for that request: the upstream sees its
 * response closed, and the proxy's sockets and timers return to what they were before the request.
 * (A file of its own, so that no other test's sockets or timers blur the baseline.)
 */
import { connect } from 'node:net'
import t from 'tap'
import { get, metric, metricsText, startProxy, startUpstream, until } from './helpers/proxy.js'
import { blockPolicy } from './helpers/proxy-pages.js'

const PREFIX = '<!doctype html><html><head><title>x</title></head><body><p>hello</p>'

/** Sockets and timers alive in this process. */
function resources(): string {
  const counts: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) {
    if (r === 'TCPSocketWrap' || r === 'Timeout') counts[r] = (counts[r] ?? 0) + 1
  }
  return JSON.stringify(counts)
}

for (const when of ['mid-body', 'before the response headers']) {
  t.test(`a client that leaves ${when}`, async (t) => {
    let upstreamClosed!: () => void
    const closed = new Promise<void>((resolve) => (upstreamClosed = resolve))
    let requested!: () => void
    const arrived = new Promise<void>((resolve) => (requested = resolve))
    const upstream = await startUpstream(t, (_req, res) => {
      res.on('close', upstreamClosed)
      requested()
      if (when !== 'mid-body') return // silent: the client gives up first
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.write(PREFIX)
    })
    const proxy = await startProxy(t, {
      sites: [{ name: 'site', target: upstream.url, policy: blockPolicy() }],
    })
    // Nothing of an earlier test still closing: no socket, no timer.
    const baseline = '{}'
    await until(() => resources() === baseline, 'a quiet start')
    const socket = connect(proxy.port, '127.0.0.1')
    socket.on('data', (d: Buffer) => d.includes('hello') && socket.destroy())
    socket.write(get('/'))
    if (when !== 'mid-body') {
      await arrived
      socket.destroy()
    }
    await closed
    t.pass('the upstream saw its response closed')
    await until(
      () => proxy.proxy.inFlight === 0 && resources() === baseline,
      'sockets and timers back to baseline',
    )
    t.equal(resources(), baseline, 'no socket or timer left behind')
    const text = await metricsText(proxy.metricsUrl)
    t.equal(metric(text, 'tagwarden_upstream_errors_total', { kind: 'reset' }), 0, 'not an upstream error')
    t.equal(
      metric(text, 'tagwarden_responses_total', { verdict: 'error' }),
      1,
      'the exchange did not complete',
    )
    t.notOk(
      proxy.logs.some((l) => Number(l.level) >= 50),
      'no error logged',
    )
  })
}
