/**
 * The proxy's latency for a small page while a pathological response is being served (issue 11).
 * For each shape, a real `tagwarden proxy` in `block` (bench/proxy.ts's rig: the proxy and a local
 * upstream, each a process of its own) serves a small clean page and one body of that shape of
 * test/helpers/pathological.ts. autocannon loads the small page while another client fetches the
 * pathological body through the proxy in a loop, each fetch to its end; the small page's p99 is then
 * compared with the same load's with no pathological response (the baseline, `none`). Only
 * 127.0.0.1 is contacted.
 */
import { request } from 'node:http'
import { NORMAL, PATHOLOGICAL_POLICY } from '../test/helpers/pathological.js'
import { PATHOLOGICAL_SHAPES } from './pathological.js'
import { HOST, HTML, load, startRig, type LoadFigures, type ProxyPage } from './proxy.js'

/**
 * The small page (about 5 KB): a normal page of test/helpers/pathological.ts, because no page
 * of the corpus is clean under the policy the shapes are judged against ('self').
 */
const SMALL: ProxyPage = {
  path: '/small',
  type: HTML,
  name: 'normal page, 5 KB',
  bytes: Buffer.from(NORMAL.make(5_000), 'latin1'),
}

export interface LatencySample {
  /** The shape served meanwhile; `none` for the baseline, `none, again` for its repeat at the end. */
  shape: string
  /** Bytes of the pathological body (0 for the baseline). */
  bytes: number
  /** The small page's load: req/s and latency in (whole) milliseconds. */
  small: LoadFigures
  /**
   * Pathological fetches that ended during the load, by how they ended: the status when the whole
   * body came (a 502 is a block before any byte went out), `cut` when the proxy cut it (a block after).
   */
  served: Record<string, number>
  /** The small page's p99 over the baseline's; null when the baseline's is under a millisecond. */
  p99Ratio: number | null
}

export interface LatencyConfig {
  bytes: number
  seconds: number
  warmupSeconds: number
}

/** One GET through the proxy, read to its end; resolves with how it ended (see `LatencySample.served`). */
function fetchToEnd(url: string, signal: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false, headers: { host: HOST }, signal }, (res) => {
      // A cut shows as an incomplete body at `close`; its 'error' (aborted) says nothing more.
      res.on('error', () => {})
      res.once('close', () => resolve(res.complete ? String(res.statusCode) : 'cut'))
      res.resume()
    })
      .on('error', reject)
      .end()
  })
}

/** Fetches `url` again and again until `signal` aborts; the fetch in flight then is not counted. */
async function fetchLoop(url: string, signal: AbortSignal): Promise<Record<string, number>> {
  const served: Record<string, number> = {}
  while (!signal.aborted) {
    try {
      const how = await fetchToEnd(url, signal)
      if (!signal.aborted) served[how] = (served[how] ?? 0) + 1
    } catch (error) {
      if (!signal.aborted) throw error
    }
  }
  return served
}

/**
 * The small page's load with `body` served meanwhile (none for the baseline). A rig of its own per
 * shape: no shape inherits another's heap or connections, and each gets the same warm-up.
 */
async function measureOne(
  body: ProxyPage | null,
  { seconds, warmupSeconds }: LatencyConfig,
): Promise<Omit<LatencySample, 'shape' | 'bytes' | 'p99Ratio'>> {
  const rig = await startRig([SMALL], ['tagwarden-block'], {
    policy: PATHOLOGICAL_POLICY,
    unchecked: body === null ? [] : [body],
  })
  const url = rig.urls['tagwarden-block']!
  try {
    await load(url + SMALL.path, warmupSeconds)
    const stop = new AbortController()
    const loop = body === null ? Promise.resolve({}) : fetchLoop(url + body.path, stop.signal)
    // Handled here so that a failing fetch waits for the load to end; awaited (and thrown) below.
    loop.catch(() => {})
    const small = await load(url + SMALL.path, seconds).finally(() => stop.abort())
    return { small, served: await loop }
  } finally {
    await rig.stop()
  }
}

/**
 * The baseline, every shape (or those in `only`), then the baseline again: how far the machine
 * drifted over the run, i.e. the noise under every ratio (all are to the first baseline).
 */
export async function measurePathologicalLatency(
  only: readonly string[] | undefined,
  config: LatencyConfig,
  progress: (message: string) => void,
): Promise<LatencySample[]> {
  const shapes = PATHOLOGICAL_SHAPES.filter((s) => only === undefined || only.includes(s.name))
  const samples: LatencySample[] = []
  const runs = [null, ...shapes, null]
  for (const [i, shape] of runs.entries()) {
    const body =
      shape === null
        ? null
        : {
            ...SMALL,
            path: '/pathological',
            name: shape.name,
            bytes: Buffer.from(shape.make(config.bytes), 'latin1'),
          }
    const { small, served } = await measureOne(body, config)
    const baseline = samples[0]?.small ?? small
    const name = shape?.name ?? (i === 0 ? 'none' : 'none, again')
    samples.push({
      shape: name,
      bytes: body?.bytes.length ?? 0,
      small,
      served,
      p99Ratio: baseline.p99 < 1 ? null : small.p99 / baseline.p99,
    })
    const count = Object.values(served).reduce((n, c) => n + c, 0)
    progress(`pathological latency: ${name}: p99 ${small.p99} ms, ${count} served`)
  }
  return samples
}
