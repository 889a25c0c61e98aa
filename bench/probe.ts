/**
 * The probe exporter under sustained scraping (issue 13): the real `tagwarden probe --listen` in a
 * process of its own, scraped by this process as Prometheus would (a fixed number of scrapes in
 * flight), each probe fetching the corpus's median page (gzip, with a pinned external script) from a
 * local origin. Reports probes/s and the exporter's RSS after warm-up and after every probe, so a
 * leak shows as growth. Only 127.0.0.1 is contacted. Linux: RSS is read from /proc.
 *
 *   npx tsx bench/probe.ts [--probes 10000] [--concurrency 16]
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { gzipSync } from 'node:zlib'
import { bundle } from './bundle.js'
import { loadCorpus } from './corpus.js'
import { startChild } from './processes.js'

const { values } = parseArgs({
  options: { probes: { type: 'string', default: '10000' }, concurrency: { type: 'string', default: '16' } },
})
const PROBES = Number(values.probes)
const CONCURRENCY = Number(values.concurrency)
const WARM_UP = Math.min(500, PROBES)

const LIB = 'window.lib = function () { return 42 }\n'

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  )
}

/** VmRSS and VmHWM (peak) of `pid`, in MiB. */
function rss(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1])
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 }
}

async function main(): Promise<void> {
  const corpus = loadCorpus().sort((a, b) => a.bytes.length - b.bytes.length)
  const median = corpus[(corpus.length - 1) >> 1]!
  const cdn = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/javascript' }).end(LIB))
  const cdnPort = await listen(cdn)
  const libUrl = `http://127.0.0.1:${cdnPort}/lib.js`
  const page = gzipSync(Buffer.concat([median.bytes, Buffer.from(`<script src="${libUrl}"></script>`)]))
  const origin = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-encoding': 'gzip' }).end(page),
  )
  const originPort = await listen(origin)
  const target = `http://127.0.0.1:${originPort}/`

  // Report: the probe's verdict does not matter here, only that every probe runs to its end.
  const dir = mkdtempSync(join(tmpdir(), 'tagwarden-bench-probe-'))
  const config = join(dir, 'config.json')
  writeFileSync(
    config,
    JSON.stringify({
      sites: [
        {
          name: 'bench',
          hosts: ['127.0.0.1'],
          target,
          policy: {
            action: 'report',
            directives: { 'default-src': ['*', "'unsafe-inline'", 'data:'] },
            pins: { [libUrl]: `sha384-${createHash('sha384').update(LIB).digest('base64')}` },
          },
        },
      ],
      probe: { allow: [target], concurrency: CONCURRENCY },
    }),
  )
  const exporter = await startChild(bundle('src/cli/main.ts'), [
    'probe',
    '--listen',
    '127.0.0.1:0',
    '--config',
    config,
  ])
  const url = exporter.ready.url as string
  const pid = exporter.process.pid!
  const scrape = `${url}/probe?target=${encodeURIComponent(target)}`

  let failed = 0
  const run = async (count: number): Promise<number> => {
    let next = 0
    const started = performance.now()
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next++ < count) {
          const text = await (await fetch(scrape)).text()
          if (!/^tagwarden_probe_success 1$/m.test(text)) failed++
        }
      }),
    )
    return (performance.now() - started) / 1000
  }
  try {
    await run(WARM_UP)
    const warm = rss(pid)
    const seconds = await run(PROBES)
    const after = rss(pid)
    console.log(
      JSON.stringify(
        {
          page: { name: median.name, bytes: median.bytes.length, gzipBytes: page.length },
          probes: PROBES,
          concurrency: CONCURRENCY,
          failed,
          seconds: Number(seconds.toFixed(2)),
          probesPerSecond: Math.round(PROBES / seconds),
          rssMiB: {
            afterWarmUp: Number(warm.rss.toFixed(1)),
            afterAll: Number(after.rss.toFixed(1)),
            peak: Number(after.peak.toFixed(1)),
          },
        },
        null,
        2,
      ),
    )
  } finally {
    await exporter.stop()
    origin.close()
    cdn.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

await main()
