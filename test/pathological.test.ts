import t from 'tap'
import { parsePolicy, type Verdict } from '../src/index.js'
import { feedInspector } from '../bench/feed.js'
import { NORMAL, PATHOLOGICAL_POLICY, SHAPES, type Shape } from './helpers/pathological.js'

/**
 * Issue 11: shapes that cost time out of all proportion to their size with parse5 (quadratic text
 * runs, attribute merging, huge tokens, deep nesting) stay linear. CPU time is compared, never
 * asserted: a shape's cost per MiB against a normal page's, measured in the same process, and a
 * shape's cost per MiB at 4 MiB against its own at 1 MiB (a quadratic cost quadruples). The factors
 * are generous for a noisy host; before the new parser a 4 MiB text run cost 40× a normal page.
 */
const MiB = 1 << 20
const policy = parsePolicy(PATHOLOGICAL_POLICY as never)
const HEADERS = { 'content-type': 'text/html; charset=utf-8' }

async function cost(shape: Shape, bytes: number): Promise<{ ms: number; verdict: Verdict }> {
  const body = Buffer.from(shape.make(bytes))
  const chunks: Buffer[] = []
  for (let i = 0; i < body.length; i += 16 * 1024) chunks.push(body.subarray(i, i + 16 * 1024))
  let best = Infinity
  let verdict: Verdict | undefined
  // The cheaper of two runs: the first also pays for compiling.
  for (let run = 0; run < 2; run++) {
    const before = process.cpuUsage()
    const fed = await feedInspector(chunks, {
      policy,
      url: 'http://localhost/',
      headers: HEADERS,
      action: 'block',
      limits: shape.limits?.(bytes),
    })
    const used = process.cpuUsage(before)
    best = Math.min(best, (used.user + used.system) / 1000)
    verdict = fed.verdict
  }
  return { ms: best, verdict: verdict! }
}

function outcome(verdict: Verdict): string {
  return verdict.status === 'error' && verdict.limit !== undefined ? 'limit' : verdict.status
}

t.test('pathological shapes: the right verdict, linear time, within a factor of a normal page', async (t) => {
  const normal = (await cost(NORMAL, 4 * MiB)).ms / 4
  t.comment(`normal page: ${normal.toFixed(0)} ms of CPU per MiB`)
  for (const shape of SHAPES) {
    // Huge tokens are judged past the 4 Mi default maxTokenBytes.
    const big = shape.expect === 'limit' ? 6 * MiB : 4 * MiB
    const small = await cost(shape, MiB)
    const large = await cost(shape, big)
    const perMiB = large.ms / (big / MiB)
    t.equal(outcome(large.verdict), shape.expect, `${shape.name}: ${shape.expect}`)
    t.comment(
      `${shape.name}: ${small.ms.toFixed(0)} ms at 1 MiB, ${large.ms.toFixed(0)} ms at ${big / MiB} MiB`,
    )
    t.ok(
      perMiB < 12 * normal + 5,
      `${shape.name}: ${perMiB.toFixed(0)} ms/MiB, a normal page ${normal.toFixed(0)}`,
    )
    t.ok(perMiB < 3 * small.ms + 5, `${shape.name}: per MiB at ${big / MiB} MiB within 3× of 1 MiB's`)
  }
})
