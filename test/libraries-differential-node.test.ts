/**
 * Issue 12 item 8, the server side: tagwarden's own plugin metadata, response interception and
 * signal handling held against fastify-plugin, on-headers and close-with-grace in real Fastify, real
 * node:http servers on 127.0.0.1 and real child processes. The README (Set up) says why none of the
 * three was taken; these tests keep what they showed.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { join } from 'node:path'
import { buildSync } from 'esbuild'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import onHeaders from 'on-headers'
import t from 'tap'
import { inspectHtml } from '../src/index.js'
import { fastifyTagwarden, wrapHandler, type FastifyTagwardenOptions } from '../src/entries/embed.js'
import { INJECTION, blockPolicy, exchange, page, reportPolicy, serve } from './helpers/embed.js'

// --- fastify-plugin --------------------------------------------------------------------------------

const META = [Symbol.for('skip-override'), Symbol.for('fastify.display-name'), Symbol.for('plugin-meta')]
type Plugin = typeof fastifyTagwarden

/** fastifyTagwarden's own function, wrapped by fastify-plugin with the same name and range. */
function viaFastifyPlugin(fastify = '5.x'): Plugin {
  const plain = (instance: Parameters<Plugin>[0], options: FastifyTagwardenOptions) =>
    fastifyTagwarden(instance, options)
  return fp(plain as never, { name: 'tagwarden', fastify }) as unknown as Plugin
}

/** Ours with another supported range, to see Fastify refuse it as it refuses fastify-plugin's. */
function oursFor(fastify: string): Plugin {
  const plain = (instance: Parameters<Plugin>[0], options: FastifyTagwardenOptions) =>
    fastifyTagwarden(instance, options)
  return Object.assign(plain, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: 'tagwarden',
    [Symbol.for('plugin-meta')]: { name: 'tagwarden', fastify },
  }) as unknown as Plugin
}

t.test('fastify-plugin: the same metadata as ours', async (t) => {
  const theirs = viaFastifyPlugin() as unknown as Record<symbol | string, unknown>
  const ours = fastifyTagwarden as unknown as Record<symbol | string, unknown>
  for (const key of META) t.same(ours[key], theirs[key], String(key))
  // What fastify-plugin adds besides: `default` and a camel-cased name for CommonJS/TypeScript
  // interop, which tagwarden's own exports (ESM and CommonJS builds) do not need.
  t.equal(theirs.default, theirs)
  t.equal(theirs.tagwarden, theirs)
  t.equal(ours.default, undefined)
})

t.test('fastify-plugin: Fastify treats both alike', async (t) => {
  for (const [name, plugin] of [
    ['ours', fastifyTagwarden],
    ['fastify-plugin', viaFastifyPlugin()],
  ] as const) {
    const app = Fastify()
    const injected = async (_: unknown, reply: { type(t: string): { send(b: string): unknown } }) =>
      reply.type('text/html').send(page(INJECTION))
    // Registered inside a plugin, it covers that plugin's routes (skip-override: its hook is added
    // to the registering context, not to a new child), and not its parent's.
    await app.register(async (scope) => {
      await scope.register(plugin, { policy: blockPolicy() })
      scope.get('/in-scope', injected)
    })
    app.get('/outside', injected)
    await app.ready()
    t.equal((await app.inject('/in-scope')).statusCode, 502, `${name}: the scope's route is inspected`)
    t.equal((await app.inject('/outside')).statusCode, 200, `${name}: the parent's is not`)
    t.match(app.printPlugins(), /tagwarden/, `${name}: named in printPlugins`)
    await app.close()
  }
  for (const [name, plugin] of [
    ['ours', oursFor('4.x')],
    ['fastify-plugin', viaFastifyPlugin('4.x')],
  ] as const) {
    const app = Fastify()
    await t.rejects(
      async () => {
        await app.register(plugin, { policy: blockPolicy() })
        await app.ready()
      },
      { code: 'FST_ERR_PLUGIN_VERSION_MISMATCH' },
      `${name}: a range that excludes Fastify 5 is refused`,
    )
  }
})

// --- on-headers ------------------------------------------------------------------------------------

const UTF16 = 'text/html; charset=utf-16le'
/** The injected page in UTF-16LE without a BOM: the iframe is seen only when the header's charset is. */
const BODY = Buffer.from(page(INJECTION), 'utf16le')

/** node:http handlers that set the head in each way Node allows. */
const HEADS: Record<string, (res: ServerResponse) => void> = {
  object: (res) => res.writeHead(200, { 'Content-Type': UTF16 }).end(BODY),
  'with a reason': (res) => res.writeHead(200, 'Fine', { 'content-type': UTF16 }).end(BODY),
  'replacing setHeader': (res) => {
    res.setHeader('Content-Type', 'text/plain')
    res.writeHead(200, { 'Content-Type': UTF16 }).end(BODY)
  },
  'a flat array naming it twice': (res) =>
    res.writeHead(200, ['Content-Type', UTF16, 'Content-Type', 'text/html']).end(BODY),
  'a flat array naming it twice after setHeader': (res) => {
    res.setHeader('X-App', 'shop')
    res.writeHead(200, ['Content-Type', UTF16, 'content-type', 'text/html']).end(BODY)
  },
  'a flat array, the last one HTML': (res) =>
    res.writeHead(200, ['Content-Type', 'text/plain', 'Content-Type', UTF16]).end(BODY),
  'a flat array, the last one not HTML': (res) =>
    res.writeHead(200, ['Content-Type', UTF16, 'Content-Type', 'text/plain']).end(BODY),
  'an array value': (res) => res.writeHead(200, { 'content-type': [UTF16, 'text/html'] }).end(BODY),
  'setHeader with an array, implicit head': (res) => {
    res.setHeader('Content-Type', [UTF16, 'text/html'])
    res.end(BODY)
  },
  'setHeader and writes': (res) => {
    res.statusCode = 200
    res.setHeader('Content-Type', UTF16)
    res.write(BODY.subarray(0, 100))
    res.end(BODY.subarray(100))
  },
  flushHeaders: (res) => {
    res.setHeader('Content-Type', UTF16)
    res.flushHeaders()
    res.end(BODY)
  },
}

t.test('on-headers: the head tagwarden judges by is the head Node sends', async (t) => {
  let violations = 0
  let seen: unknown
  const wrapped = wrapHandler(
    (req: IncomingMessage, res: ServerResponse) => HEADS[decodeURIComponent(req.url!.slice(1))]!(res),
    { policy: reportPolicy(), onViolation: () => void violations++ },
  )
  const port = await serve(t, (req, res) => {
    // Below tagwarden: on-headers sees the head as it goes to Node, headers applied to `res`.
    onHeaders(res, function (this: ServerResponse) {
      seen = this.getHeader('content-type')
    })
    wrapped(req, res)
  })
  for (const name of Object.keys(HEADS)) {
    violations = 0
    seen = undefined
    const response = await exchange(port, `/${encodeURIComponent(name)}`)
    // What the browser reads: every Content-Type line, combined.
    const wire = response.headers
      .filter(([n]) => n.toLowerCase() === 'content-type')
      .map(([, v]) => v)
      .join(', ')
    t.equal([seen].flat().join(', '), wire, `${name}: on-headers saw what went on the wire`)
    const reference = await inspectHtml(BODY, {
      policy: reportPolicy(),
      url: 'http://localhost/',
      headers: { 'content-type': wire },
    })
    t.equal(
      violations,
      reference.violations.length,
      `${name}: judged as the head sent (${JSON.stringify(wire)})`,
    )
  }
})

// --- close-with-grace ------------------------------------------------------------------------------

const CACHE = join(import.meta.dirname, '..', 'node_modules', '.cache', `tagwarden-signals-${process.pid}`)

/** A process that drains for 1.5 s after a shutdown signal; SIGHUP reloads, as `tagwarden proxy`'s. */
function writeChildren(): { ours: string; theirs: string } {
  mkdirSync(CACHE, { recursive: true })
  buildSync({
    entryPoints: [join(import.meta.dirname, '..', 'src', 'proxy', 'signals.ts')],
    outfile: join(CACHE, 'signals.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    logLevel: 'warning',
  })
  const common = `
const keepAlive = setInterval(() => {}, 1000)
const drain = () => new Promise((resolve) => setTimeout(resolve, 1500))
process.on('SIGHUP', () => console.log('reload'))
`
  const ours = join(CACHE, 'ours.mjs')
  writeFileSync(
    ours,
    `import { nextSignal } from './signals.mjs'
${common}
console.log('ready')
const signal = await nextSignal()
console.log('closing ' + signal)
await drain()
console.log('drained')
clearInterval(keepAlive)
`,
  )
  const theirs = join(CACHE, 'theirs.mjs')
  writeFileSync(
    theirs,
    `import closeWithGrace from 'close-with-grace'
${common}
closeWithGrace({ delay: 10000, logger: false }, async ({ signal }) => {
  console.log('closing ' + signal)
  await drain()
  console.log('drained')
})
console.log('ready')
`,
  )
  return { ours, theirs }
}

/** Run `script`; each time its output has a line `when`, send `signal`. Its output and exit code. */
function run(
  script: string,
  steps: [when: string, signal: NodeJS.Signals][],
): Promise<{ out: string[]; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
    const out: string[] = []
    let buffered = ''
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      buffered += data
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const line of lines) {
        out.push(line)
        while (steps.length > 0 && steps[0]![0] === line) child.kill(steps.shift()![1])
      }
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject).on('exit', (code) => {
      clearTimeout(timer)
      resolve({ out, code })
    })
  })
}

t.test('close-with-grace: a second signal and SIGHUP', async (t) => {
  const { ours, theirs } = writeChildren()
  t.teardown(() => rmSync(CACHE, { recursive: true, force: true }))
  // A terminal's Ctrl-C reaches a cluster's primary and its workers, then the primary sends its own
  // SIGTERM: the second signal arrives while the first one's drain runs.
  const twice: [string, NodeJS.Signals][] = [
    ['ready', 'SIGTERM'],
    ['closing SIGTERM', 'SIGINT'],
  ]
  t.same(
    await run(ours, [...twice]),
    { out: ['ready', 'closing SIGTERM', 'drained'], code: 0 },
    'ours: drained',
  )
  t.same(
    await run(theirs, [...twice]),
    { out: ['ready', 'closing SIGTERM'], code: 1 },
    'close-with-grace: exit(1) mid-drain',
  )
  // SIGHUP is tagwarden proxy's reload; close-with-grace also shuts down on it.
  const hangup: [string, NodeJS.Signals][] = [
    ['ready', 'SIGHUP'],
    ['reload', 'SIGTERM'],
  ]
  t.same(
    await run(ours, [...hangup]),
    { out: ['ready', 'reload', 'closing SIGTERM', 'drained'], code: 0 },
    'ours: reloaded, then drained',
  )
  const hung = await run(theirs, [...hangup])
  t.ok(hung.out.includes('closing SIGHUP'), 'close-with-grace: SIGHUP starts the shutdown')
  t.equal(hung.code, 1, 'close-with-grace: and the SIGTERM after it exits 1')
})
