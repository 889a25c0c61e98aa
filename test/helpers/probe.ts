/**
 * Real servers on 127.0.0.1 port 0 for the probe tests: the exporter in this process with its logs
 * captured, a scrape as Prometheus makes it, and promtool on the text it answers.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import pino from 'pino'
import {
  createProbeExporter,
  type ProbeExporter,
  type ProbeExporterOptions,
} from '../../src/entries/probe.js'

type Test = { teardown: (fn: () => unknown) => void }

export interface RunningExporter {
  exporter: ProbeExporter
  url: string
  logs: Record<string, unknown>[]
}

export async function startExporter(t: Test, options: ProbeExporterOptions): Promise<RunningExporter> {
  const logs: Record<string, unknown>[] = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(JSON.parse(line)) })
  const exporter = createProbeExporter({ listen: '127.0.0.1:0', logger, ...options })
  const url = await exporter.listen()
  t.teardown(() => exporter.close())
  return { exporter, url, logs }
}

export interface Scrape {
  status: number
  text: string
  /** A sample's value; NaN when the series is absent (the probe answers every series, always). */
  value: (name: string, labels?: Record<string, string>) => number
}

/** GET /probe as Prometheus sends it (with its scrape timeout header when given). */
export async function scrape(
  exporterUrl: string,
  target: string,
  extra: { site?: string; scrapeTimeout?: number } = {},
): Promise<Scrape> {
  const params = new URLSearchParams({ target })
  if (extra.site !== undefined) params.set('site', extra.site)
  const headers: Record<string, string> = { accept: 'text/plain' }
  if (extra.scrapeTimeout !== undefined)
    headers['x-prometheus-scrape-timeout-seconds'] = String(extra.scrapeTimeout)
  const res = await fetch(`${exporterUrl}/probe?${params}`, { headers })
  const text = await res.text()
  return { status: res.status, text, value: (name, labels = {}) => sample(text, name, labels) }
}

/** A sample from Prometheus text: the series whose labels are exactly `labels`. */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const want = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort()
    .join(',')
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const have = (match[2] ?? '').split(',').filter(Boolean).sort().join(',')
    if (have === want) return Number(match[3])
  }
  return NaN
}

/** promtool from $PATH, or undefined (`.ci/run` installs it: Debian's `prometheus` package). */
export function promtool(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'promtool')
    if (existsSync(path)) return path
  }
  return undefined
}

/** Runs promtool with `input` on stdin; resolves with its exit code and output. */
export function runPromtool(
  bin: string,
  args: string[],
  input?: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(bin, args, (error, stdout, stderr) => {
      resolve({
        code: error === null ? 0 : Number((error as { code?: number }).code ?? 1),
        output: `${stdout}${stderr}`,
      })
    })
    if (input !== undefined) child.stdin!.end(input)
    else child.stdin!.end()
  })
}
