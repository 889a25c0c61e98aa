/**
 * The options every embedding face shares: checked when the face is created, the policy in each of
 * its forms, one metric set per registry, limits, the block page, a throwing onViolation.
 */
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import httpProxy from 'http-proxy'
import { Registry } from 'prom-client'
import t from 'tap'
import {
  attachInspector,
  createMetrics,
  fastifyTagwarden,
  inspectResponse,
  middleware,
  wrapHandler,
  type EmbedOptions,
} from '../src/entries/embed.js'
import { InvalidOptionError, IoError, PolicyError } from '../src/index.js'
import { DIRECTIVES, INJECTION, blockPolicy, count, exchange, page, serve, shapes } from './helpers/embed.js'

const html = (extra = '') => new Response(page(extra), { headers: { 'content-type': 'text/html' } })

t.test('bad options are refused when the face is created, with a coded error', async (t) => {
  const policy = blockPolicy()
  const bad: [string, Record<string, unknown>][] = [
    ['site', { site: 'not a label' }],
    ['action', { action: 'allow' }],
    ['onLimit', { onLimit: 'maybe' }],
    ['limits', { limits: { maxHeldBytes: -1 } }],
    ['defaultEncoding', { defaultEncoding: 'klingon' }],
    ['onViolation', { onViolation: 'log' }],
    ['registry', { registry: {} }],
    ['blockPage', { blockPage: 502 }],
    ['policy', { policy: 42 }],
    ['policy URL', { policy: new URL('https://example.com/policy.json') }],
  ]
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true })
  for (const [what, extra] of bad) {
    const options = { policy, ...extra } as EmbedOptions
    t.throws(() => wrapHandler(() => {}, options), InvalidOptionError, `wrapHandler: ${what}`)
    t.throws(() => middleware(options), InvalidOptionError, `middleware: ${what}`)
    t.throws(() => attachInspector(proxy, options), InvalidOptionError, `attachInspector: ${what}`)
    await t.rejects(inspectResponse(html(), options), InvalidOptionError, `inspectResponse: ${what}`)
  }
  t.throws(() => wrapHandler('handler' as never, { policy }), InvalidOptionError, 'a handler that is not one')
  t.throws(() => middleware({ policy: { csp: "script-src 'nonce-abc'" } }), {
    code: 'TW_ERR_POLICY_UNSUPPORTED',
  })
  t.throws(() => middleware({ policy: { csp: 7 } as never }), InvalidOptionError)
  t.throws(
    () => middleware({ policy: { csp: "default-src 'self'", file: 'p.json' } as never }),
    InvalidOptionError,
  )
  t.throws(() => middleware({ policy: { directives: { 'frame-src': 7 } } as never }), PolicyError)
  await t.rejects(
    fastifyTagwarden({ addHook: () => {} }, { policy, action: 'allow' as never }),
    InvalidOptionError,
  )
})

t.test('the policy: a Policy, an object, { csp }, a file name, { file } or a file: URL', async (t) => {
  const dir = t.testdir({
    'p.json': JSON.stringify({ directives: DIRECTIVES }),
    'p.yaml': 'directives:\n  default-src: ["\'self\'"]\n  frame-src: ["\'none\'"]\n',
  })
  const forms: [string, EmbedOptions['policy']][] = [
    ['Policy', blockPolicy()],
    ['object', { directives: DIRECTIVES }],
    ['{ csp }', { csp: "default-src 'self'; frame-src 'none'" }],
    ['.json file', join(dir, 'p.json')],
    ['.yaml file', join(dir, 'p.yaml')],
    ['{ file }', { file: join(dir, 'p.yaml') }],
    ['file: URL', pathToFileURL(join(dir, 'p.yaml'))],
  ]
  for (const [form, policy] of forms) {
    t.equal((await inspectResponse(html(), { policy })).status, 200, `${form}: clean passes`)
    t.equal((await inspectResponse(html(INJECTION), { policy })).status, 502, `${form}: injected blocked`)
  }
})

t.test('a string is always a file path, and the errors say which reading was used', async (t) => {
  const dir = t.testdir({
    'policy.txt': "default-src 'self'; frame-src 'none'",
    'bad.txt': 'frame-src nowhere:x',
  })
  // A file whose name ends in neither .json nor .yaml is still a file (it holds a CSP string here).
  const fromTxt = middleware({ policy: join(dir, 'policy.txt') })
  t.equal(fromTxt.ready instanceof Promise, true)
  t.equal((await inspectResponse(html(INJECTION), { policy: join(dir, 'policy.txt') })).status, 502)
  t.throws(
    () => middleware({ policy: join(dir, 'bad.txt') }),
    { name: 'PolicyError', message: /bad\.txt \(read as a CSP string\): / },
    'a file holding a CSP string: its errors say so',
  )
  t.throws(
    () => wrapHandler(() => {}, { policy: "default-src 'self'" }),
    {
      code: 'TW_ERR_IO',
      message:
        /^wrapHandler: options\.policy: cannot read the policy file "default-src 'self'" \(a string is read as a file path\): no such file; to give a CSP string, write \{ csp: "…" \}$/,
    },
    'a CSP string given as a string is a missing file, and the error says how to give one',
  )
  t.throws(() => middleware({ policy: { csp: 'default-src nowhere:x' } }), {
    name: 'PolicyError',
    message: /^middleware: options\.policy\.csp \(a CSP string\): /,
  })
})

t.test('fail at start: a missing or invalid policy file throws when the face is created', async (t) => {
  const dir = t.testdir({ 'bad.yaml': 'directives:\n  frame-src: 7\n' })
  const missing = join(dir, 'missing.json')
  const proxy = httpProxy.createProxyServer({ selfHandleResponse: true })
  t.throws(() => wrapHandler(() => {}, { policy: missing }), IoError, 'wrapHandler')
  t.throws(() => middleware({ policy: missing }), IoError, 'middleware')
  t.throws(() => attachInspector(proxy, { policy: missing }), IoError, 'attachInspector')
  await t.rejects(inspectResponse(html(), { policy: missing }), IoError, 'inspectResponse')
  await t.rejects(fastifyTagwarden({ addHook: () => {} }, { policy: missing }), IoError, 'fastifyTagwarden')
  t.throws(() => middleware({ policy: join(dir, 'bad.yaml') }), PolicyError, 'an invalid file')
})

t.test('one metric set per registry, shared by faces; every series of a site at 0', async (t) => {
  const registry = new Registry()
  createMetrics({ registry }) // e.g. the proxy's, or another copy of tagwarden's, already there
  const a = await serve(t, wrapHandler(shapes, { policy: blockPolicy(), registry, site: 'a' }))
  const b = await serve(t, wrapHandler(shapes, { policy: blockPolicy(), registry, site: 'b' }))
  const text = await registry.metrics()
  t.match(text, 'tagwarden_violations_total{site="b",directive="frame-src",action="blocked"} 0')
  t.match(text, 'tagwarden_responses_total{site="a",verdict="limit"} 0')
  await exchange(a, '/end/injected')
  await exchange(b, '/end')
  t.equal(await count(registry, 'tagwarden_responses_total', { site: 'a', verdict: 'violation' }), 1)
  t.equal(await count(registry, 'tagwarden_responses_total', { site: 'b', verdict: 'clean' }), 1)
  t.equal(await count(registry, 'tagwarden_violations_total', { site: 'a', action: 'blocked' }), 1)
})

t.test('limits: onLimit decides, and the response is counted as limit', async (t) => {
  const registry = new Registry()
  const limits = { maxTokenBytes: 64 }
  // A tag longer than the limit, still open at the end of a chunk.
  const parts = [`<!doctype html><p title="${'x'.repeat(200)}`, '">long attribute</p>']
  const long = parts.join('')
  const response = () => {
    const chunks = parts.map((p) => new TextEncoder().encode(p))
    const body = new ReadableStream<Uint8Array>({
      pull: (c) => (chunks.length ? c.enqueue(chunks.shift()!) : c.close()),
    })
    return new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } })
  }
  const blocked = await inspectResponse(response(), { policy: blockPolicy(), registry, limits })
  t.equal(blocked.status, 502, 'onLimit block (the default in block)')
  const passed = await inspectResponse(response(), {
    policy: blockPolicy(),
    registry,
    limits,
    onLimit: 'pass',
  })
  t.equal(await passed.text(), long, 'onLimit pass')
  t.equal(await count(registry, 'tagwarden_responses_total', { verdict: 'limit' }), 2)
})

t.test('blockPage: your HTML, {{requestId}} replaced', async (t) => {
  const port = await serve(
    t,
    wrapHandler(shapes, {
      policy: blockPolicy(),
      blockPage: '<!doctype html><p>Withheld ({{requestId}})</p>',
    }),
  )
  const response = await exchange(port, '/end/injected')
  t.equal(response.statusLine, 'HTTP/1.1 502 Bad Gateway')
  t.match(response.body.toString(), /^<!doctype html><p>Withheld \([0-9a-f-]{36}\)<\/p>$/)
})

t.test('an onViolation that throws is reported, and the response is as without it', async (t) => {
  const port = await serve(
    t,
    wrapHandler(shapes, {
      policy: blockPolicy(),
      onViolation: () => {
        throw new Error('logging is down')
      },
    }),
  )
  const warned = once(process, 'warning')
  t.equal((await exchange(port, '/end/injected')).statusLine, 'HTTP/1.1 502 Bad Gateway')
  const [warning] = (await warned) as [Error & { code?: string }]
  t.equal(warning.code, 'TW_WARN_ON_VIOLATION')
  t.match(warning.message, /logging is down/)
  t.equal((await exchange(port, '/end')).statusLine, 'HTTP/1.1 200 OK')
})

t.test('a policy file is read once, even by several faces', async (t) => {
  const file = join(t.testdir(), 'shared.json')
  writeFileSync(file, JSON.stringify({ directives: DIRECTIVES }))
  const first = middleware({ policy: file })
  const second = wrapHandler(() => {}, { policy: file })
  await Promise.all([first.ready, second.ready])
  writeFileSync(file, 'not a policy')
  const third = middleware({ policy: file })
  await t.resolves(third.ready, 'the file as read the first time')
})
