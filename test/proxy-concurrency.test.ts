/**
 * 200 concurrent requests through the real proxy process over 32 keep-alive connections: every
 * response intact and matched to its own request (a mix-up or a framing error shows as a wrong body).
 */
import { createHash } from 'node:crypto'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import { metric, metricsText, spawnProxy, startUpstream } from './helpers/proxy.js'
import { INJECTION, POLICY_DIRECTIVES, page } from './helpers/proxy-pages.js'

const N = 200
const KINDS = ['plain', 'gzip', 'chunked', 'injected'] as const

/** What the upstream sends for request `i`: unique per request. */
function body(i: number): Buffer {
  const kind = KINDS[i % KINDS.length]!
  const html = page(kind === 'injected' ? INJECTION : `<p>request ${i}</p>`, `page ${i}`)
  return kind === 'gzip' ? gzipSync(html) : Buffer.from(html)
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex')

t.test(`${N} concurrent requests, each response intact and its own`, async (t) => {
  const upstream = await startUpstream(t, (req, res) => {
    const i = Number(req.url!.slice(1))
    const kind = KINDS[i % KINDS.length]!
    const bytes = body(i)
    const headers: Record<string, string | number> = { 'content-type': 'text/html; charset=utf-8' }
    if (kind === 'gzip') headers['content-encoding'] = 'gzip'
    if (kind !== 'chunked') headers['content-length'] = bytes.length
    res.writeHead(200, headers)
    if (kind !== 'chunked') return void res.end(bytes)
    for (let o = 0; o < bytes.length; o += 100) res.write(bytes.subarray(o, o + 100))
    res.end()
  })
  const dir = t.testdir({ 'policy.json': JSON.stringify({ action: 'block', directives: POLICY_DIRECTIVES }) })
  const cli = await spawnProxy(t, ['--target', upstream.url, '--policy', join(dir, 'policy.json')])
  const agent = new Agent({ keepAlive: true, maxSockets: 32 })
  t.teardown(() => agent.destroy())

  const results = await Promise.all(
    Array.from(
      { length: N },
      (_, i) =>
        new Promise<{ i: number; status: number; body: Buffer }>((resolve, reject) => {
          const req = request(`${cli.url}/${i}`, { agent }, (res) => {
            const parts: Buffer[] = []
            res.on('data', (d: Buffer) => parts.push(d))
            res.on('end', () => resolve({ i, status: res.statusCode!, body: Buffer.concat(parts) }))
            res.on('error', reject)
          })
          req.on('error', reject)
          req.end()
        }),
    ),
  )
  let intact = 0
  for (const { i, status, body: got } of results) {
    if (KINDS[i % KINDS.length] === 'injected') {
      if (status === 502 && !got.includes('evil.example')) intact++
      else t.fail(`request ${i}: expected the block page, got ${status}`)
    } else if (status === 200 && sha(got) === sha(body(i))) intact++
    else t.fail(`request ${i}: ${status}, body does not match its request`)
  }
  t.equal(intact, N, 'every response intact and matched to its request')
  t.equal(upstream.requests.length, N)
  const text = await metricsText(cli.metricsUrl)
  t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'clean' }), (N * 3) / 4)
  t.equal(metric(text, 'tagwarden_responses_total', { verdict: 'violation' }), N / 4)
  t.ok(
    upstream.connections < N,
    `keep-alive to the upstream: ${upstream.connections} connections for ${N} requests`,
  )
})
