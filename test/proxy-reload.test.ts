/**
 * Issue 14, reload without downtime: the real `tagwarden proxy` under 200 concurrent connections
 * gets SIGHUP after its policy file changed; no request fails, new requests are judged by the new
 * policy. A broken configuration on SIGHUP changes nothing but a log line (file, field) and a
 * counter. With --workers, every worker switches.
 */
import { renameSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { metric, metricsText, spawnProxy, startUpstream, until, type CliProxy } from './helpers/proxy.js'
import { INJECTION, page } from './helpers/proxy-pages.js'

const ALLOWING = {
  action: 'block',
  directives: { 'default-src': ["'self'"], 'frame-src': ['http://evil.example'] },
}
const REFUSING = { action: 'block', directives: { 'default-src': ["'self'"], 'frame-src': ["'none'"] } }

async function setUp(t: Test, extra: string[] = []) {
  const upstream = await startUpstream(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page(INJECTION))
  })
  const dir = t.testdir({
    'policy.json': JSON.stringify(ALLOWING),
    'proxy.yaml': `sites:\n  - name: shop\n    hosts: ["*"]\n    target: ${upstream.url}\n    policy: ./policy.json\n`,
  })
  const proxy = await spawnProxy(t, ['--config', join(dir, 'proxy.yaml'), ...extra])
  return { dir, proxy }
}

/** GET / on `agent`; resolves with the status, or the error's code when the exchange failed. */
function get(url: string, agent: Agent): Promise<number | string> {
  return new Promise((resolve) => {
    request(`${url}/`, { agent }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
      res.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
    })
      .once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
      .end()
  })
}

async function hangupAndWait(proxy: CliProxy, msg: string): Promise<Record<string, unknown>> {
  const before = proxy.lines.length
  proxy.child.kill('SIGHUP')
  await until(() => proxy.lines.slice(before).some((l) => l.msg === msg), `"${msg}"`, 20_000)
  return proxy.lines.slice(before).find((l) => l.msg === msg)!
}

t.test('SIGHUP under 200 connections: nothing dropped, the new policy for new requests', async (t) => {
  const { dir, proxy } = await setUp(t)
  t.equal(await get(proxy.url, new Agent()), 200, 'the first policy allows the iframe')

  const agent = new Agent({ keepAlive: true, maxSockets: 200 })
  t.teardown(() => agent.destroy())
  const results: (number | string)[] = []
  let loading = true
  const load = Promise.all(
    Array.from({ length: 200 }, async () => {
      while (loading) results.push(await get(proxy.url, agent))
    }),
  )
  await until(() => results.length >= 400, 'load to be under way', 60_000)
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(REFUSING))
  const reloaded = await hangupAndWait(proxy, 'configuration reloaded')
  t.same(reloaded.sites, ['shop'])
  const atReload = results.length
  await until(() => results.length >= atReload + 400, 'load after the reload', 60_000)
  loading = false
  await load

  const failed = results.filter((r) => r !== 200 && r !== 502)
  t.same(failed, [], `every one of ${results.length} requests answered (200 before, 502 after)`)
  t.ok(results.slice(0, atReload).includes(200), 'allowed before the reload')
  t.equal(results.at(-1), 502, 'blocked after it')
  t.equal(await get(proxy.url, new Agent()), 502, 'a new request: the new policy')
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_config_reloads_total', { result: 'success' }), 1)
  t.equal(metric(text, 'tagwarden_config_reloads_total', { result: 'failure' }), 0)
})

t.test('a broken configuration on SIGHUP is refused, named, and changes nothing', async (t) => {
  const { dir, proxy } = await setUp(t)
  writeFileSync(
    join(dir, 'proxy.yaml'),
    'sites:\n  - name: shop\n    hosts: ["*"]\n    target: ftp://nowhere\n    policy: ./policy.json\n',
  )
  const failed = await hangupAndWait(proxy, 'configuration reload failed: the running configuration is kept')
  t.match(failed, { level: 50, file: join(dir, 'proxy.yaml'), field: 'sites[0].target' })
  t.equal(await get(proxy.url, new Agent()), 200, 'still serving under the old configuration')
  writeFileSync(join(dir, 'proxy.yaml'), 'sites: []\n')
  writeFileSync(join(dir, 'policy.json'), '{ "directives": { "frame-src": 7 } }')
  await hangupAndWait(proxy, 'configuration reload failed: the running configuration is kept')
  t.equal(await get(proxy.url, new Agent()), 200)
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_config_reloads_total', { result: 'failure' }), 2)
  t.equal(metric(text, 'tagwarden_config_reloads_total', { result: 'success' }), 0)
  t.equal(proxy.child.exitCode, null, 'still running')
})

t.test('with --workers 2, every worker switches', async (t) => {
  const { dir, proxy } = await setUp(t, ['--workers', '2'])
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(REFUSING))
  const before = proxy.lines.length
  proxy.child.kill('SIGHUP')
  await until(
    () => proxy.lines.slice(before).filter((l) => l.msg === 'configuration reloaded').length === 2,
    'both workers to reload',
    30_000,
  )
  // Fresh connections: the kernel spreads them over both workers.
  const statuses = await Promise.all(Array.from({ length: 20 }, () => get(proxy.url, new Agent())))
  t.same(new Set(statuses), new Set([502]), 'every answer under the new policy')
  const text = await metricsText(proxy.metricsUrl)
  t.equal(metric(text, 'tagwarden_config_reloads_total', { result: 'success' }), 2, 'counted by each worker')
})

t.test(
  '--watch: a policy file replaced (written beside, renamed over) reloads without a signal',
  async (t) => {
    const { dir, proxy } = await setUp(t, ['--watch'])
    t.equal(await get(proxy.url, new Agent()), 200)
    const before = proxy.lines.length
    writeFileSync(join(dir, 'policy.json.new'), JSON.stringify(REFUSING))
    renameSync(join(dir, 'policy.json.new'), join(dir, 'policy.json'))
    await until(
      () => proxy.lines.slice(before).some((l) => l.msg === 'configuration reloaded'),
      'the reload',
      20_000,
    )
    t.equal(await get(proxy.url, new Agent()), 502, 'the new policy')
    // And once more: the watch survived the file being replaced.
    const again = proxy.lines.length
    writeFileSync(join(dir, 'policy.json'), JSON.stringify(ALLOWING))
    await until(
      () => proxy.lines.slice(again).some((l) => l.msg === 'configuration reloaded'),
      'the second reload',
      20_000,
    )
    t.equal(await get(proxy.url, new Agent()), 200)
  },
)
