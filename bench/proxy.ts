/**
 * The proxy benchmarks (issue 4, parts 2–4): a local upstream serving real pages, plain `http-proxy`
 * (no inspection: the limit) and the real `tagwarden proxy` in `report` and in `block`, each in a
 * process of its own, loaded with autocannon from this process. Only 127.0.0.1 is ever contacted.
 */
import autocannon from 'autocannon'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { bundle } from './bundle.js'
import { DOCUMENT, learnObject, type Page } from './corpus.js'
import { startChild, type Child } from './processes.js'
import { spread, type Spread } from './stats.js'

export const PROXIES = ['http-proxy', 'tagwarden-report', 'tagwarden-block'] as const
export type ProxyKey = (typeof PROXIES)[number]

export const PROXY_NAMES: Record<ProxyKey, string> = {
  'http-proxy': 'plain http-proxy',
  'tagwarden-report': 'tagwarden proxy report',
  'tagwarden-block': 'tagwarden proxy block',
}

/** Where every server of the benchmarks listens: loopback, any free port. */
const LOOPBACK = '127.0.0.1:0'

/** autocannon's connections: a handful of keep-alive clients, as a busy site's front sees. */
export const CONNECTIONS = 10

export interface ProxyPage {
  /** Its path on the upstream: /small, /median, /large, /asset. */
  path: string
  /** Its Content-Type. */
  type: string
  name: string
  bytes: Buffer
}

/**
 * The pages the issue names: about 5 KB, the corpus median (~84 KB) and about 300 KB. The corpus has
 * no page under 13 KB, so the small one is its smallest: the nearest real page to 5 KB.
 */
export function pickPages(corpus: readonly Page[]): ProxyPage[] {
  const bySize = [...corpus].sort((a, b) => a.bytes.length - b.bytes.length)
  const nearest = (size: number) =>
    bySize.reduce((best, p) =>
      Math.abs(p.bytes.length - size) < Math.abs(best.bytes.length - size) ? p : best,
    )
  const chosen: [string, Page][] = [
    ['/small', nearest(5_000)],
    ['/median', bySize[(bySize.length - 1) >> 1]!],
    ['/large', nearest(300_000)],
  ]
  return chosen.map(([path, page]) => ({ path, type: HTML, name: page.name, bytes: page.bytes }))
}

export const HTML = 'text/html; charset=utf-8'

/** A response the proxies pass without inspecting: what most of a site's requests (scripts, images) are. */
export function assetOf(page: ProxyPage): ProxyPage {
  return { ...page, path: '/asset', type: 'application/octet-stream' }
}

export function isHtml(page: ProxyPage): boolean {
  return page.type === HTML
}

/** What the leak check sends one request in ten to: the small page with a hidden attack iframe. */
const INJECTED = '/small-injected'
function inject(page: Buffer): Buffer {
  const html = page.toString('utf8')
  const at = html.lastIndexOf('</body')
  const iframe = '<iframe src="http://attacker.example/x" width="0" height="0" hidden></iframe>'
  return Buffer.from(at < 0 ? html + iframe : html.slice(0, at) + iframe + html.slice(at))
}

/** The servers of one measurement; `stop()` ends every process and removes the policy files. */
export interface Rig {
  urls: Partial<Record<ProxyKey, string>>
  children: Partial<Record<ProxyKey, Child>>
  metricsUrls: Partial<Record<ProxyKey, string>>
  stop(): Promise<void>
}

export interface RigOptions {
  /** Preload bench/gc-hook.ts into the tagwarden processes. */
  gcHook?: boolean
  /** The policy, instead of one learned from the pages (its action is the proxy's). */
  policy?: object
  /** Served too, but neither learned from nor checked: responses the proxy may block or cut. */
  unchecked?: readonly ProxyPage[]
}

/**
 * Starts the upstream and the wanted proxies. Unless one is given, the policy is learned from the
 * pages (so nothing on them is blocked) and written as `tagwarden learn` would.
 */
export async function startRig(
  pages: readonly ProxyPage[],
  keys: readonly ProxyKey[],
  { gcHook = false, policy, unchecked = [] }: RigOptions = {},
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'tagwarden-bench-'))
  const started: Child[] = []
  const rig: Rig = {
    urls: {},
    children: {},
    metricsUrls: {},
    stop: async () => {
      await Promise.all(started.map((c) => c.stop()))
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    const routes = Object.fromEntries(
      [...pages, ...unchecked].map((p) => [p.path, { type: p.type, body: p.bytes.toString('base64') }]),
    )
    routes[INJECTED] = { type: HTML, body: inject(pages[0]!.bytes).toString('base64') }
    const upstream = await startChild(bundle('bench/proxy-upstream.ts'), [], {
      stdin: JSON.stringify(routes),
    })
    started.push(upstream)
    const target = `http://127.0.0.1:${upstream.ready.port as number}`
    const learned = policy ?? (await learnObject(pages.filter(isHtml).map((p) => [p.bytes])))
    const cli = keys.some((k) => k !== 'http-proxy') ? bundle('src/cli/main.ts') : ''
    const hook = gcHook ? ['--expose-gc', '--import', `file://${bundle('bench/gc-hook.ts')}`] : []
    for (const key of keys) {
      if (key === 'http-proxy') {
        const plain = await startChild(bundle('bench/proxy-plain.ts'), [target])
        started.push(plain)
        rig.urls[key] = `http://127.0.0.1:${plain.ready.port as number}`
        rig.children[key] = plain
        continue
      }
      const action = key === 'tagwarden-block' ? 'block' : 'report'
      const policy = join(dir, `${action}.json`)
      writeFileSync(policy, JSON.stringify({ ...learned, action }))
      // The CLI as a user runs it: default log level (info: an access line per request, one per violation).
      const proxy = await startChild(
        cli,
        ['proxy', '--target', target, '--policy', policy, '--listen', LOOPBACK, '--metrics-listen', LOOPBACK],
        { nodeArgs: hook },
      )
      started.push(proxy)
      rig.urls[key] = proxy.ready.url as string
      rig.metricsUrls[key] = proxy.ready.metricsUrl as string
      rig.children[key] = proxy
    }
    for (const key of keys) for (const page of pages) await assertPassThrough(key, rig.urls[key]!, page)
    return rig
  } catch (error) {
    await rig.stop()
    throw error
  }
}

/**
 * Requests carry the Host the policy was learned for: the proxy judges a page as the document at
 * http://HOST/path, and its relative URLs resolve against that.
 */
export const HOST = new URL(DOCUMENT.url).host

interface Got {
  status: number
  body: Buffer
  /** Milliseconds from sending the request to the response head, the first body byte, the last. */
  times: [number, number, number]
}

/** One GET (on `agent`'s keep-alive connection), timed at the head, the first body byte and the end. */
function get(url: string, agent?: Agent): Promise<Got> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    request(url, { agent, headers: { host: HOST } }, (res) => {
      const head = performance.now()
      let first = 0
      const body: Buffer[] = []
      res.on('data', (chunk: Buffer) => {
        first ||= performance.now()
        body.push(chunk)
      })
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          body: Buffer.concat(body),
          times: [head - start, first - start, performance.now() - start],
        }),
      )
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
}

/** Every proxy must hand each page over byte for byte: a figure for a broken response is no figure. */
async function assertPassThrough(key: ProxyKey, url: string, page: ProxyPage): Promise<void> {
  const { status, body } = await get(url + page.path)
  if (status !== 200 || !body.equals(page.bytes)) {
    throw new Error(`${key} ${page.path}: status ${status}, ${body.length} of ${page.bytes.length} bytes`)
  }
}

/** Sum of a Prometheus counter's series whose labels include `labels`. */
function counter(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const inner = line.slice(name.length + 1, line.indexOf('}'))
    if (Object.entries(labels).every(([k, v]) => inner.split(',').includes(`${k}="${v}"`)))
      sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return sum
}

async function scrape(rig: Rig, key: ProxyKey): Promise<string> {
  return (await fetch(`${rig.metricsUrls[key]}/metrics`)).text()
}

/**
 * After the load: the tagwarden proxies found nothing and hit no limit. Responses whose verdict is
 * `error` are the ones in flight when autocannon stopped and closed their connections (at most one
 * per connection per run); a count above that is a failure too.
 */
async function assertAllClean(rig: Rig, keys: readonly ProxyKey[], runs: number): Promise<void> {
  for (const key of keys) {
    if (key === 'http-proxy') continue
    const text = await scrape(rig, key)
    const count = (verdict: string) => counter(text, 'tagwarden_responses_total', { verdict })
    const [clean, violation, limit, error] = [
      count('clean'),
      count('violation'),
      count('limit'),
      count('error'),
    ]
    if (clean === 0 || violation + limit > 0 || error > runs * CONNECTIONS) {
      throw new Error(`${key}: ${clean} clean, ${violation} violations, ${limit} limits, ${error} errors`)
    }
  }
}

export interface LoadFigures {
  requestsPerSecond: number
  /** Latency in milliseconds. */
  p50: number
  p99: number
  requests: number
}

/** One autocannon run; any error, timeout or non-2xx answer fails the benchmark. */
export async function load(url: string, seconds: number): Promise<LoadFigures> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, headers: { host: HOST } })
  if (r.errors > 0 || r.timeouts > 0 || r.non2xx > 0) {
    throw new Error(`${url}: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx responses`)
  }
  return {
    requestsPerSecond: r.requests.total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
  }
}

export interface ThroughputRow {
  page: string
  path: string
  type: string
  bytes: number
  proxy: ProxyKey
  requestsPerSecond: Spread
  p50: Spread
  p99: Spread
  samples: LoadFigures[]
}

/**
 * Requests/s and latency per page and proxy: `rounds` timed runs of `seconds` each, the proxies in
 * an order that rotates from round to round (after one untimed warm-up run each), medians reported.
 */
export async function measureProxyThroughput(
  pages: readonly ProxyPage[],
  rounds: number,
  seconds: number,
  progress: (message: string) => void,
): Promise<ThroughputRow[]> {
  const rig = await startRig(pages, PROXIES)
  try {
    const samples = new Map<string, LoadFigures[]>()
    for (let round = -1; round < rounds; round++) {
      progress(`proxy: round ${round + 2}/${rounds + 1}${round < 0 ? ' (warm-up)' : ''}`)
      for (const page of pages) {
        for (let i = 0; i < PROXIES.length; i++) {
          const key = PROXIES[(i + Math.max(round, 0)) % PROXIES.length]!
          const figures = await load(rig.urls[key]! + page.path, round < 0 ? Math.min(seconds, 2) : seconds)
          if (round < 0) continue
          const id = `${page.path} ${key}`
          samples.set(id, [...(samples.get(id) ?? []), figures])
        }
      }
    }
    await assertAllClean(rig, PROXIES, (rounds + 1) * pages.length)
    return pages.flatMap((page) =>
      PROXIES.map((proxy) => {
        const s = samples.get(`${page.path} ${proxy}`)!
        return {
          page: page.name,
          path: page.path,
          type: page.type,
          bytes: page.bytes.length,
          proxy,
          requestsPerSecond: spread(s.map((f) => f.requestsPerSecond)),
          p50: spread(s.map((f) => f.p50)),
          p99: spread(s.map((f) => f.p99)),
          samples: s,
        }
      }),
    )
  } finally {
    await rig.stop()
  }
}

export interface TtfbRow {
  proxy: ProxyKey
  /** Milliseconds from sending the request to the response head, the first body byte, the last. */
  head: { p50: number; p99: number }
  firstByte: { p50: number; p99: number }
  lastByte: { p50: number; p99: number }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

/**
 * Time to first byte of the large page, one request at a time on one keep-alive connection per
 * proxy, the proxies alternating request by request. `block` holds each part of the body until the
 * parser has passed it, so its first byte waits for the first chunk's inspection.
 */
export async function measureTtfb(page: ProxyPage, requests: number): Promise<TtfbRow[]> {
  const rig = await startRig([page], PROXIES)
  const agents = PROXIES.map(() => new Agent({ keepAlive: true, maxSockets: 1 }))
  try {
    const times = PROXIES.map(() => [[], [], []] as [number[], number[], number[]])
    for (let i = 0; i < requests + 20; i++) {
      for (const [k, key] of PROXIES.entries()) {
        const got = await get(rig.urls[key]! + page.path, agents[k]!)
        if (got.status !== 200) throw new Error(`${key} ${page.path}: status ${got.status}`)
        // The first 20 rounds warm up the JIT of every process involved.
        if (i >= 20) got.times.forEach((ms, j) => times[k]![j]!.push(ms))
      }
    }
    await assertAllClean(rig, PROXIES, 0)
    return PROXIES.map((proxy, k) => {
      const [head, firstByte, lastByte] = times[k]!.map((list) => {
        const sorted = list.sort((a, b) => a - b)
        return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) }
      })
      return { proxy, head: head!, firstByte: firstByte!, lastByte: lastByte! }
    })
  } finally {
    for (const agent of agents) agent.destroy()
    await rig.stop()
  }
}

export interface LeakSample {
  requests: number
  blocked: number
  /** `process.memoryUsage()` of the proxy after two full collections. */
  memory: NodeJS.MemoryUsage
}

/**
 * RSS and heap of one `tagwarden proxy` (block) after each checkpoint's number of requests: eight
 * in ten for the small page, one for the median page, one for the small page with an injected
 * iframe (a 502 block page), so the clean, the streaming and the blocking paths all run.
 */
export async function measureLeak(
  pages: readonly ProxyPage[],
  checkpoints: readonly number[],
  progress: (message: string) => void,
): Promise<LeakSample[]> {
  const rig = await startRig(pages.slice(0, 2), ['tagwarden-block'], { gcHook: true })
  const proxy = rig.children['tagwarden-block']!
  const mix = [...Array<string>(8).fill(pages[0]!.path), pages[1]!.path, INJECTED]
  try {
    const samples: LeakSample[] = []
    let sent = 0
    let blocked = 0
    for (const checkpoint of checkpoints) {
      const r = await autocannon({
        url: rig.urls['tagwarden-block']!,
        connections: CONNECTIONS,
        amount: checkpoint - sent,
        headers: { host: HOST },
        requests: mix.map((path) => ({ method: 'GET', path })),
      })
      sent += r.requests.total
      blocked += r['5xx']
      if (r.errors > 0 || r.timeouts > 0 || r.non2xx !== r['5xx'] || r['5xx'] === 0) {
        throw new Error(`leak check: ${r.errors} errors, ${r.timeouts} timeouts, ${r.non2xx} non-2xx`)
      }
      const reply = proxy.next('memory')
      proxy.process.kill('SIGUSR2')
      samples.push({ requests: sent, blocked, memory: (await reply).memory as NodeJS.MemoryUsage })
      progress(`proxy memory: ${sent} requests`)
    }
    const text = await scrape(rig, 'tagwarden-block')
    const counted = counter(text, 'tagwarden_responses_total', { verdict: 'violation' })
    if (counted !== blocked) throw new Error(`leak check: ${blocked} 502s but ${counted} violations counted`)
    return samples
  } finally {
    await rig.stop()
  }
}
