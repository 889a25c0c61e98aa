/**
 * The benchmark suite (issue 4): `npm run bench [-- --quick] [-- --only KEY,…] [-- --results DIR]`.
 * Prints markdown tables on stdout, progress on stderr, and writes the same figures as JSON to
 * bench/results/. See bench/README.md.
 */
import { availableParallelism, loadavg } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { bundleBaseline } from './baseline.js'
import { contenders } from './contenders.js'
import { CHUNK_SIZE, learnObject, loadCorpus } from './corpus.js'
import { measureMemory } from './memory.js'
import { measurePathological, PATHOLOGICAL_SHAPES } from './pathological.js'
import { measurePathologicalLatency, type LatencySample } from './pathological-latency.js'
import {
  CONNECTIONS,
  measureLeak,
  measureProxyThroughput,
  measureTtfb,
  assetOf,
  pickPages,
  PROXY_NAMES,
} from './proxy.js'
import { formatBytes, formatMbps, machine, machineLine, table, writeResults } from './report.js'
import { measureThroughput } from './throughput.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    /** Contender keys and/or section names (inspector, memory, proxy, ttfb, proxy-memory); default all. */
    only: { type: 'string' },
    runs: { type: 'string' },
    /** Size of the large generated document, in MiB (default 1024; 16 with --quick). */
    'memory-mib': { type: 'string' },
    results: { type: 'string', default: join(import.meta.dirname, 'results') },
    /** A commit whose tagwarden runs in the inspector section too: before and after in one run. */
    baseline: { type: 'string' },
  },
})

const quick = args.quick
const only = args.only?.split(',') ?? null
const wanted = (...keys: string[]) => only === null || keys.some((k) => only.includes(k))
const progress = (message: string) => process.stderr.write(`bench: ${message}\n`)

const KiB = 1024
const MiB = 1024 * KiB
const CONFIG = quick
  ? {
      every: 20,
      runs: 3,
      warmups: 1,
      large: 16 * MiB,
      proxy: { rounds: 1, seconds: 1 },
      pathologicalLatency: { bytes: 8 * MiB, seconds: 2, warmupSeconds: 1 },
      ttfbRequests: 20,
      leak: [100, 1_000],
    }
  : {
      every: 1,
      runs: 5,
      warmups: 1,
      large: 1024 * MiB,
      proxy: { rounds: 3, seconds: 5 },
      pathologicalLatency: { bytes: 8 * MiB, seconds: 5, warmupSeconds: 1 },
      ttfbRequests: 200,
      leak: [1_000, 5_000, 10_000, 20_000],
    }
const runs = args.runs === undefined ? CONFIG.runs : Number(args.runs)
const large = args['memory-mib'] === undefined ? CONFIG.large : Number(args['memory-mib']) * MiB

/** A part of the suite: its table and its JSON. */
interface Section {
  title: string
  markdown: string
  json: object
}

async function inspectorSection(): Promise<Section | null> {
  const pages = loadCorpus(CONFIG.every)
  const bytes = pages.reduce((n, p) => n + p.bytes.length, 0)
  const needsPolicy = wanted('inspector', 'tagwarden-report', 'tagwarden-block')
  if (needsPolicy) progress(`learning a policy from ${pages.length} pages`)
  // Learned from every page's findings together, so nothing on any page is blocked.
  const learned = needsPolicy ? await learnObject(pages.map((p) => p.chunks)) : null
  const baseline = needsPolicy && args.baseline !== undefined ? bundleBaseline(args.baseline) : null
  if (baseline !== null) progress(`baseline: tagwarden at ${baseline.commit}`)
  const keys = [
    ...(learned === null ? [] : ['tagwarden-report', 'tagwarden-block']),
    ...(baseline === null ? [] : ['report', 'block'].map((a) => `tagwarden-${a}@${baseline.commit}`)),
    ...contenders(null).map((c) => c.key),
  ].filter((key) => wanted('inspector', key.replace(/@.*/, '')))
  if (keys.length === 0) return null
  const setup = { every: CONFIG.every, learned, baseline }
  const results = await measureThroughput(keys, setup, bytes, runs, CONFIG.warmups, (run) =>
    progress(`inspector: run ${run + 1}/${CONFIG.warmups + runs}${run < CONFIG.warmups ? ' (warm-up)' : ''}`),
  )
  const first = results[0]!
  const title =
    `Inspector throughput: ${pages.length} pages of htmlparser-benchmark (${(bytes / 1e6).toFixed(1)} MB), ` +
    `${CHUNK_SIZE / KiB} KiB chunks, median of ${runs} runs, contenders interleaved, each in a process of its own`
  const markdown = table(
    ['what', 'MB/s', 'min–max', `× ${first.name}`],
    'lrrr',
    results.map((r) => [
      r.name,
      formatMbps(r.mbps.median),
      `${formatMbps(r.mbps.min)}–${formatMbps(r.mbps.max)}`,
      `${r.ratio.toFixed(2)}×`,
    ]),
  )
  const json = {
    corpus: { pages: pages.length, bytes, chunkSize: CHUNK_SIZE },
    runs,
    warmups: CONFIG.warmups,
  }
  return { title, markdown, json: { ...json, results } }
}

async function memorySection(): Promise<Section | null> {
  if (!wanted('memory')) return null
  const sizes = [100 * KiB, large]
  const jobs = sizes.flatMap((bytes) => (['report', 'block'] as const).map((action) => ({ action, bytes })))
  // The two large streams are what makes the suite long; RSS does not depend on what else runs.
  const parallel = Math.min(2, availableParallelism())
  progress(`memory: ${jobs.length} child processes, ${parallel} at a time`)
  const samples = await measureMemory(jobs, parallel, (s) =>
    progress(`memory: ${s.action} ${formatBytes(s.bytes)} done in ${s.seconds.toFixed(0)} s`),
  )
  const title =
    `Memory: generated HTML streamed through the inspector (${CHUNK_SIZE / KiB} KiB chunks, backpressure), ` +
    `one child process each, ${parallel} at a time; MB/s of the small document is mostly JIT warm-up`
  const markdown = table(
    ['mode', 'document', 'peak RSS', 'RSS before streaming', 'MB/s'],
    'llrrr',
    samples.map((s, i) => [
      `tagwarden ${s.action}`,
      formatBytes(jobs[i]!.bytes),
      formatBytes(s.peakRss),
      formatBytes(s.baselineRss),
      formatMbps(s.bytes / 1e6 / s.seconds),
    ]),
  )
  return { title, markdown, json: { results: samples } }
}

async function pathologicalSection(): Promise<Section | null> {
  if (!wanted('pathological')) return null
  const sizes = quick ? [MiB] : [MiB, 8 * MiB]
  // --quick: a normal page and three shapes (one per kind of cost), enough to keep the section working.
  const shapes = quick ? ['normal', 'text-run', 'two-body-tags', 'nested-divs'] : undefined
  const samples = await measurePathological(sizes, shapes, (s) =>
    progress(`pathological: ${s.shape} ${formatBytes(s.bytes)}: ${s.cpuSeconds.toFixed(2)} s`),
  )
  const normal = (bytes: number) => samples.find((s) => s.shape === 'normal' && s.bytes >= bytes * 0.99)
  const title =
    'Pathological shapes (issue 11): CPU time and peak RSS through the inspector in block, ' +
    `${CHUNK_SIZE / KiB} KiB chunks, one child process each; × normal is CPU per MB against a normal page of the size`
  const markdown = table(
    ['shape', 'size', 'CPU s', 'ms per MB', '× normal', 'peak RSS', 'verdict'],
    'llrrrrl',
    samples.map((s) => {
      const perMb = (s.cpuSeconds * 1000) / (s.bytes / 1e6)
      const base = normal(s.bytes)
      const basePerMb = base === undefined ? NaN : (base.cpuSeconds * 1000) / (base.bytes / 1e6)
      return [
        PATHOLOGICAL_SHAPES.find((p) => p.name === s.shape)?.name ?? s.shape,
        formatBytes(s.bytes),
        s.cpuSeconds.toFixed(2),
        perMb.toFixed(0),
        `${(perMb / basePerMb).toFixed(2)}×`,
        formatBytes(s.peakRss),
        s.limit === null ? s.status : `${s.status} (${s.limit})`,
      ]
    }),
  )
  const latency = await measurePathologicalLatency(shapes, CONFIG.pathologicalLatency, progress)
  const { seconds, bytes } = CONFIG.pathologicalLatency
  const latencyTitle =
    `The proxy's latency for a small page while a pathological response is being served: one ` +
    `\`tagwarden proxy\` (block) per shape, a 5 KB page under ${CONNECTIONS} keep-alive connections ` +
    `(autocannon) for ${seconds} s while one client fetches the shape's ${formatBytes(bytes)} through it ` +
    `in a loop; × none is p99 against the same load with nothing else served`
  return {
    title,
    markdown: `${markdown}\n\n### ${latencyTitle}\n\n${latencyTable(latency)}`,
    json: { results: samples, latency: { connections: CONNECTIONS, seconds, bytes, results: latency } },
  }
}

function latencyTable(samples: readonly LatencySample[]): string {
  return table(
    ['shape', 'small req/s', 'p50 ms', 'p99 ms', '× none', 'served meanwhile', 'how they ended'],
    'lrrrrrl',
    samples.map((s) => {
      const ended = Object.entries(s.served)
      return [
        s.shape,
        s.small.requestsPerSecond.toFixed(0),
        wholeMs(s.small.p50),
        wholeMs(s.small.p99),
        s.p99Ratio === null ? '–' : `${s.p99Ratio.toFixed(2)}×`,
        s.bytes === 0 ? '–' : String(ended.reduce((n, [, count]) => n + count, 0)),
        ended.map(([how, count]) => `${how} ×${count}`).join(', ') || '–',
      ]
    }),
  )
}

const ms = (value: number) => (value >= 10 ? value.toFixed(0) : value.toFixed(1))
/** autocannon records latency in whole milliseconds: 0 means under one. */
const wholeMs = (value: number) => (value < 1 ? '<1' : value.toFixed(0))
const proxyPages = () => pickPages(loadCorpus())
const pageLabel = (bytes: number) => `${Math.round(bytes / 1000)} KB`

async function proxySection(): Promise<Section | null> {
  if (!wanted('proxy')) return null
  const { rounds, seconds } = CONFIG.proxy
  const pages = proxyPages()
  const rows = await measureProxyThroughput([...pages, assetOf(pages[1]!)], rounds, seconds, progress)
  const limit = (row: (typeof rows)[number]) =>
    rows.find((r) => r.path === row.path && r.proxy === 'http-proxy')!
  const title =
    `Proxy throughput and latency: a local upstream, ${CONNECTIONS} keep-alive connections (autocannon), ` +
    `${seconds} s per run, median of ${rounds} runs, proxies interleaved; upstream, proxy and load ` +
    `generator share the machine's cores`
  const markdown = table(
    ['page', 'proxy', 'req/s', 'min–max', '× http-proxy', 'p50 ms', 'p99 ms', 'p99 × http-proxy'],
    'llrrrrrr',
    rows.map((r) => [
      r.path === '/asset' ? `${pageLabel(r.bytes)}, not HTML` : pageLabel(r.bytes),
      PROXY_NAMES[r.proxy],
      r.requestsPerSecond.median.toFixed(0),
      `${r.requestsPerSecond.min.toFixed(0)}–${r.requestsPerSecond.max.toFixed(0)}`,
      `${(r.requestsPerSecond.median / limit(r).requestsPerSecond.median).toFixed(2)}×`,
      wholeMs(r.p50.median),
      wholeMs(r.p99.median),
      // Under a millisecond, autocannon's whole-millisecond figure gives no ratio.
      limit(r).p99.median < 1 ? '–' : `${(r.p99.median / limit(r).p99.median).toFixed(2)}×`,
    ]),
  )
  return { title, markdown, json: { connections: CONNECTIONS, rounds, seconds, results: rows } }
}

async function ttfbSection(): Promise<Section | null> {
  if (!wanted('ttfb')) return null
  const page = proxyPages().at(-1)!
  progress(`ttfb: ${CONFIG.ttfbRequests} requests per proxy`)
  const rows = await measureTtfb(page, CONFIG.ttfbRequests)
  const plain = rows.find((r) => r.proxy === 'http-proxy')!
  const title =
    `Time to first byte: the ${pageLabel(page.bytes.length)} page, one request at a time, ` +
    `${CONFIG.ttfbRequests} per proxy, proxies alternating`
  const markdown = table(
    ['proxy', 'head p50 ms', 'first byte p50 ms', 'first byte p99 ms', '× http-proxy', 'last byte p50 ms'],
    'lrrrrr',
    rows.map((r) => [
      PROXY_NAMES[r.proxy],
      ms(r.head.p50),
      ms(r.firstByte.p50),
      ms(r.firstByte.p99),
      `${(r.firstByte.p50 / plain.firstByte.p50).toFixed(2)}×`,
      ms(r.lastByte.p50),
    ]),
  )
  return { title, markdown, json: { page: page.name, bytes: page.bytes.length, results: rows } }
}

async function proxyMemorySection(): Promise<Section | null> {
  if (!wanted('proxy-memory')) return null
  const samples = await measureLeak(proxyPages(), CONFIG.leak, progress)
  const first = samples[0]!
  const title =
    `Proxy memory: one \`tagwarden proxy\` (block), after two full collections, 1 request in 10 blocked ` +
    `(an injected iframe), 1 in 10 for the median page, the rest the small one`
  const rows = samples.map((s) => [
    s.requests.toLocaleString('en-US'),
    s.blocked.toLocaleString('en-US'),
    formatBytes(s.memory.rss),
    formatBytes(s.memory.heapUsed),
    formatBytes(s.memory.external + s.memory.arrayBuffers),
  ])
  const last = samples.at(-1)!
  const perRequest = (last.memory.heapUsed - first.memory.heapUsed) / (last.requests - first.requests)
  rows.push(['growth per request', '', '', `${perRequest.toFixed(1)} B`, ''])
  const markdown = table(['after requests', 'blocked', 'RSS', 'heap used', 'external'], 'lrrrr', rows)
  return { title, markdown, json: { results: samples } }
}

try {
  const m = machine()
  if (m.load.start > m.cores / 2) {
    progress(
      `warning: load average ${m.load.start.toFixed(1)} on ${m.cores} cores: other work skews the figures`,
    )
  }
  const sections: Record<string, Section> = {}
  for (const [key, section] of [
    ['inspector', inspectorSection],
    ['memory', memorySection],
    ['pathological', pathologicalSection],
    ['proxy', proxySection],
    ['ttfb', ttfbSection],
    ['proxy-memory', proxyMemorySection],
  ] as const) {
    const result = await section()
    if (result !== null) sections[key] = result
  }
  m.load.end = loadavg()[0]!
  const out = [`# tagwarden benchmarks${quick ? ' (--quick)' : ''}`, '', machineLine(m)]
  for (const s of Object.values(sections)) out.push('', `## ${s.title}`, '', s.markdown)
  process.stdout.write(`${out.join('\n')}\n`)
  const json = Object.fromEntries(Object.entries(sections).map(([k, s]) => [k, s.json]))
  progress(`results written to ${writeResults(args.results, m, quick, json)}`)
} catch (error) {
  // Loud: a benchmark that measured the wrong thing (a blocked page, a failed child) has no figures.
  process.stderr.write(`bench: FAILED: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}
