import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

// Keeps the benchmark suite from rotting: `bench/run.ts --quick` must run to the end and print every
// contender. Nothing here is timed or compared (STYLE.md: the test command never times anything).
const RUN = join(import.meta.dirname, '..', 'bench', 'run.ts')
// Every section runs, in child processes, beside the rest of the suite on 2 cores: minutes when the
// host is busy (300 s was once not enough), so this file gets more than tap's default.
t.setTimeout(900_000)

t.test('bench --quick runs every contender and section and writes its JSON', async (t) => {
  const results = t.testdir({})
  const { status, stdout, stderr } = await new Promise<{
    status: number | null
    stdout: string
    stderr: string
  }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN, '--quick', '--results', results])
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d))
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => resolve({ status, stdout, stderr }))
  })
  t.equal(status, 0, stderr)
  for (const row of [
    'tagwarden report',
    'tagwarden block',
    'lol-html (22 element names)',
    'lol-html (`*`)',
    'htmlparser2',
    'parse5-sax-parser',
    'parse5.parse',
    "`Buffer.indexOf('<')` floor",
  ]) {
    t.match(stdout, `\n| ${row}`, row)
  }
  t.match(stdout, /\| tagwarden report \| 100 KiB \|/, 'memory: report')
  t.match(stdout, /\| tagwarden block \| 16 MiB \|/, 'memory: block')
  for (const page of ['13 KB', '84 KB', '288 KB', '84 KB, not HTML']) {
    for (const proxy of ['plain http-proxy', 'tagwarden proxy report', 'tagwarden proxy block']) {
      t.match(stdout, `\n| ${page} | ${proxy} |`, `proxy: ${page} ${proxy}`)
    }
  }
  t.match(stdout, /\n\| tagwarden proxy block \| [\d.]+ \| [\d.]+ \|/, 'time to first byte: block')
  t.match(stdout, /\n\| 1,000 \| [\d,]+ \| [\d.]+ MiB \|/, 'proxy memory after 1,000 requests')

  const files = readdirSync(results)
  t.equal(files.length, 1, 'one results file')
  const json = JSON.parse(readFileSync(join(results, files[0]!), 'utf8'))
  t.match(json, { quick: true, node: process.version, cores: Number, cpu: String })
  t.equal(json.inspector.results.length, 8)
  t.equal(json.memory.results.length, 4)
  t.equal(json.proxy.results.length, 12)
  t.equal(json.ttfb.results.length, 3)
  const leak = json['proxy-memory'].results as { requests: number; blocked: number }[]
  t.same(
    leak.map((r) => r.requests),
    [100, 1000],
  )
  t.ok(leak[1]!.blocked > 0, 'the blocking path ran')
})
