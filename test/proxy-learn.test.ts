/**
 * Issue 14, learning from live traffic: the proxy in report, a few hundred responses of several real
 * pages, learns the same policy `learn` does over those pages; a page whose inline script changes on
 * every response stays bounded and says so; learning resumes after a restart.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Agent, request } from 'node:http'
import t, { type Test } from 'tap'
import { inspectHtml, learnPolicy, parsePolicy, type Reference } from '../src/index.js'
import { corpusPages } from './helpers/corpus.js'
import { metric, metricsText, spawnProxy, startProxy, startUpstream } from './helpers/proxy.js'

const HOST = 'shop.example'
/** Judges nothing (report): learning only collects what the pages reference. */
const REPORT = () => parsePolicy({ action: 'report', directives: { 'default-src': ["'none'"] } })

/** Four real pages of the corpus, served at /page/<i>. */
const PAGES = corpusPages()
  .filter((_, i) => i % 60 === 7)
  .map((file) => readFileSync(file))

async function origin(t: Test) {
  return startUpstream(t, (req, res) => {
    const index = Number(/^\/page\/(\d+)$/.exec(req.url ?? '')?.[1] ?? NaN)
    if (req.url === '/token') {
      // A per-request token inside an inline script: a new hash on every response.
      res.writeHead(200, { 'content-type': 'text/html' })
      return void res.end(`<!doctype html><script>var csrf = "${Math.random()}"</script><p>form</p>`)
    }
    const page = PAGES[index]
    if (page === undefined) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(page)
  })
}

function get(base: string, path: string, agent: Agent): Promise<void> {
  return new Promise((resolve, reject) => {
    request(`${base}${path}`, { agent, headers: { host: HOST } }, (res) => {
      res.resume()
      res.once('end', resolve)
    })
      .once('error', reject)
      .end()
  })
}

/** What `tagwarden learn` learns from the pages, each as the document the proxy saw. */
async function learnedOffline(paths: string[], warnings: string[] = []): Promise<unknown> {
  const refs: Reference[] = []
  for (const path of paths) {
    const index = Number(path.split('/').at(-1))
    await inspectHtml(PAGES[index]!, {
      policy: REPORT(),
      url: `http://${HOST}${path}`,
      headers: { 'content-type': 'text/html; charset=utf-8' },
      onFinding: (finding) => refs.push(finding.ref),
    })
  }
  return learnPolicy(refs, { onWarning: (w) => warnings.push(w) })
}

t.test('a few hundred live responses learn what learn learns over the same pages', async (t) => {
  t.equal(PAGES.length, 5, 'five real pages')
  const upstream = await origin(t)
  const dir = t.testdir({})
  const file = join(dir, 'shop.json')
  // Bounds above what these pages hold: learning is then exact.
  const learn = { file, maxHashes: 10_000, maxPathsPerOrigin: 10_000 }
  const proxy = await startProxy(t, {
    sites: [{ name: 'shop', hosts: [HOST], target: upstream.url, policy: REPORT(), learn }],
  })
  const agent = new Agent({ keepAlive: true, maxSockets: 20 })
  t.teardown(() => agent.destroy())
  const paths = PAGES.map((_, i) => `/page/${i}`)
  for (let round = 0; round < 60; round++) await Promise.all(paths.map((p) => get(proxy.url, p, agent)))
  const text = await metricsText(proxy.metricsUrl)
  await proxy.proxy.close() // saves
  const live = JSON.parse(readFileSync(file, 'utf8')) as { directives: Record<string, string[]> }
  const warnings: string[] = []
  t.same(live, await learnedOffline(paths, warnings), '300 responses: the same policy as learn')
  t.equal(
    metric(text, 'tagwarden_learned_sources', { site: 'shop', directive: 'img-src' }),
    live.directives['img-src']!.filter((e) => e !== "'none'").length,
    'the gauge counts the sources',
  )
  t.same(
    JSON.parse(readFileSync(`${file}.notes.json`, 'utf8')),
    { capped: {}, widenings: warnings },
    "nothing capped; the widenings are learn's own",
  )
})

t.test('a per-request inline token stays bounded, and the notes and the log say so', async (t) => {
  const upstream = await origin(t)
  const file = join(t.testdir({}), 'shop.json')
  const proxy = await startProxy(t, {
    sites: [
      { name: 'shop', hosts: [HOST], target: upstream.url, policy: REPORT(), learn: { file, maxHashes: 20 } },
    ],
  })
  const agent = new Agent({ keepAlive: true, maxSockets: 20 })
  t.teardown(() => agent.destroy())
  for (let i = 0; i < 10; i++)
    await Promise.all(Array.from({ length: 30 }, () => get(proxy.url, '/token', agent)))
  await proxy.proxy.close()
  const learned = JSON.parse(readFileSync(file, 'utf8')) as { directives: Record<string, string[]> }
  t.equal(learned.directives['script-src-elem']!.length, 20, '300 responses, 300 hashes seen: 20 kept')
  const notes = JSON.parse(readFileSync(`${file}.notes.json`, 'utf8')) as {
    capped: Record<string, string[]>
    widenings: string[]
  }
  t.same(notes.capped, { 'script-src-elem': ['/token'] }, 'the page named')
  t.match(notes.widenings, [/script-src-elem: more than 20 distinct inline hashes/])
  t.ok(
    proxy.logs.some(
      (l) => l.msg === 'learning widened the policy' && /more than 20/.test(String(l.widening)),
    ),
    'logged',
  )
})

t.test('learning resumes after a restart (the real CLI, --learn DIR)', async (t) => {
  const upstream = await origin(t)
  const dir = t.testdir({
    'policy.json': JSON.stringify({ action: 'report', directives: { 'default-src': ["'none'"] } }),
  })
  const run = async (path: string) => {
    const proxy = await spawnProxy(t, [
      '--target',
      upstream.url,
      '--policy',
      join(dir, 'policy.json'),
      '--learn',
      dir,
    ])
    await get(proxy.url, path, new Agent())
    proxy.child.kill('SIGTERM')
    t.equal(await proxy.exited, 0)
  }
  await run('/page/0')
  await run('/page/1')
  const learned = JSON.parse(readFileSync(join(dir, 'default.json'), 'utf8')) as unknown
  t.same(learned, await learnedOffline(['/page/0', '/page/1']), 'both runs in one policy')
})

t.test('with --workers 2, the primary alone writes what both workers learned', async (t) => {
  const upstream = await origin(t)
  const dir = t.testdir({
    'policy.json': JSON.stringify({ action: 'report', directives: { 'default-src': ["'none'"] } }),
  })
  const file = join(dir, 'shop.json')
  const config = join(dir, 'proxy.json')
  writeFileSync(
    config,
    JSON.stringify({
      policy: './policy.json',
      sites: [
        {
          name: 'shop',
          hosts: [HOST],
          target: upstream.url,
          learn: { file: './shop.json', maxHashes: 10_000, maxPathsPerOrigin: 10_000 },
        },
      ],
    }),
  )
  const proxy = await spawnProxy(t, ['--config', config, '--workers', '2'])
  const paths = PAGES.map((_, i) => `/page/${i}`)
  // Fresh connections: the primary hands them to both workers in turn.
  for (let round = 0; round < 10; round++) await Promise.all(paths.map((p) => get(proxy.url, p, new Agent())))
  const pids = new Set(proxy.lines.filter((l) => l.msg === 'request').map((l) => l.pid))
  t.equal(pids.size, 2, 'both workers served pages')
  const text = await metricsText(proxy.metricsUrl)
  proxy.child.kill('SIGTERM')
  t.equal(await proxy.exited, 0)
  const learned = JSON.parse(readFileSync(file, 'utf8')) as { directives: Record<string, string[]> }
  t.same(learned, await learnedOffline(paths), 'one file, all of it')
  t.equal(
    metric(text, 'tagwarden_learned_sources', { site: 'shop', directive: 'img-src' }),
    learned.directives['img-src']!.filter((e) => e !== "'none'").length,
    "the cluster's gauge: the primary's count",
  )
})
