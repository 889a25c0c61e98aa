import { join } from 'node:path'
import t from 'tap'
import { IoError, PolicyError, TagwardenError, UnsupportedPolicyError } from '../src/errors.js'
import { loadPolicy, parsePolicy } from '../src/policy/load.js'
import { allows } from '../src/policy/match.js'
import type { Policy } from '../src/policy/types.js'

type Asserts = Pick<typeof t, 'ok' | 'fail'>

const self = new URL('https://site.example/')
const expressions = (policy: Policy, name: string) => policy.directiveSet.directives.get(name)?.expressions

/** Runs `fn`, which must throw a PolicyError, and returns it. */
function policyErrorOf(t: Asserts, fn: () => unknown): PolicyError {
  try {
    fn()
  } catch (error) {
    t.ok(error instanceof PolicyError, 'is a PolicyError')
    t.ok(error instanceof TagwardenError, 'is a TagwardenError')
    return error as PolicyError
  }
  t.fail('expected a PolicyError')
  return new PolicyError()
}

async function rejection(t: Asserts, promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (error) {
    return error as Error
  }
  t.fail('expected a rejection')
  return new Error()
}

t.test('a policy object: defaults, lists and space-separated strings', async (t) => {
  const policy = parsePolicy({
    directives: {
      'default-src': ["'self'"],
      'script-src': "'self'\thttps://cdn.example/js/\n 'unsafe-inline'",
      'img-src': [],
    },
  })
  t.equal(policy.action, 'block', 'action defaults to block')
  t.equal(policy.origin, '<object>')
  t.same(policy.routes, [])
  t.same(policy.unchecked, [])
  t.same(expressions(policy, 'script-src'), ["'self'", 'https://cdn.example/js/', "'unsafe-inline'"])
  t.same(expressions(policy, 'img-src'), [], 'an empty list is kept (it matches nothing)')
  t.equal(parsePolicy({ action: 'report', directives: {} }).action, 'report')
  t.equal(parsePolicy({ directives: {} }, 'site.json').origin, 'site.json')
})

t.test('a CSP string is parsed per CSP3 §2.2.1', async (t) => {
  const policy = parsePolicy(
    "  Default-SRC 'SELF' ;; SCRIPT-src   https://cdn.example\t'unsafe-inline' ;img-src;",
  )
  t.equal(policy.action, 'block')
  t.equal(policy.origin, '<csp>')
  t.same([...policy.directiveSet.directives.keys()], ['default-src', 'script-src', 'img-src'])
  t.same(expressions(policy, 'script-src'), ['https://cdn.example', "'unsafe-inline'"])
  t.same(expressions(policy, 'img-src'), [], 'a directive without a value has an empty source list')
  const page = {
    kind: 'url',
    directive: 'style-src-elem',
    url: new URL('https://site.example/a.css'),
  } as const
  t.ok(allows(policy.directiveSet, page, self), "keywords are case-insensitive: 'SELF' is 'self'")
})

t.test('duplicate directives in a CSP string: the first wins, the rest are reported', async (t) => {
  const policy = parsePolicy('script-src https://first.example; SCRIPT-SRC https://second.example')
  t.same(expressions(policy, 'script-src'), ['https://first.example'])
  const ref = (host: string) =>
    ({ kind: 'url', directive: 'script-src-elem', url: new URL(`https://${host}/a.js`) }) as const
  t.ok(allows(policy.directiveSet, ref('first.example'), self))
  t.notOk(allows(policy.directiveSet, ref('second.example'), self))
  t.same(policy.warnings, [
    '<csp>: directives.script-src: a second "script-src" is ignored (CSP3 §2.2.1: the first wins)',
  ])
})

t.test('CSP strings tagwarden refuses rather than silently skipping', async (t) => {
  let e = policyErrorOf(t, () => parsePolicy("script-src 'self', img-src 'none'"))
  t.match(e.message, /^<csp>: expected one policy \(".*" separates the policies of a CSP list\), got /)
  e = policyErrorOf(t, () => parsePolicy('img-src https://exämple.com'))
  t.match(e.message, /^<csp>: expected an ASCII directive/)
  e = policyErrorOf(t, () => parsePolicy("scirpt-src 'self'", 'header'))
  t.equal(
    e.message,
    'header: directives.scirpt-src: expected a known CSP directive name, got "scirpt-src" (did you mean "script-src"?)',
  )
  t.equal(e.file, 'header')
  t.equal(e.field, 'directives.scirpt-src')
})

t.test('error messages name the file, the field and what was expected', async (t) => {
  const cases: [unknown, string][] = [
    [
      { directives: { 'script-src': ["'self'", 'https://cdn.example', 'https://'] } },
      `tagwarden.yaml: directives.script-src[2]: expected a CSP source expression ('self', 'none', https://host/path, https:, 'sha256-…', …), got "https://"`,
    ],
    [
      { directives: { 'img-src': "'self' self" } },
      `tagwarden.yaml: directives.img-src[1]: expected 'self' with its single quotes (in YAML write "'self'"), got "self"`,
    ],
    [
      { directives: {}, routes: [{ path: 'embed/*', directives: {} }] },
      'tagwarden.yaml: routes[0].path: expected a path glob starting with "/" (e.g. "/embed/*"), got "embed/*"',
    ],
    [
      { directives: {}, routes: [{ path: '/a?b', directives: {} }] },
      'tagwarden.yaml: routes[0].path: expected a path glob without query or fragment (routes match paths only), got "/a?b"',
    ],
    [
      { directives: {}, routes: [{ path: '/a/***', directives: {} }] },
      'tagwarden.yaml: routes[0].path: expected "*" or "**", not three or more "*" in a row, got "/a/***"',
    ],
    [
      { directives: {}, routes: [{ path: '/x', directives: { 'frame-src': 'http:// ' } }] },
      `tagwarden.yaml: routes[0].directives.frame-src[0]: expected a CSP source expression ('self', 'none', https://host/path, https:, 'sha256-…', …), got "http://"`,
    ],
    [
      { directives: {}, routes: [{ path: '/x' }] },
      'tagwarden.yaml: routes[0].directives: missing; expected an object mapping CSP directive names to source expressions',
    ],
    [
      { directives: {}, routes: {} },
      'tagwarden.yaml: routes: expected a list of routes, each { path, directives }, got an object',
    ],
    [
      { directives: {}, routes: ['/x'] },
      'tagwarden.yaml: routes[0]: expected a route: an object with "path" and "directives", got "/x"',
    ],
    [
      { directives: { 'img-src': 3 } },
      'tagwarden.yaml: directives.img-src: expected a list of source expressions, or one string of them separated by spaces, got 3',
    ],
    [
      { directives: { 'img-src': ['https:', null] } },
      'tagwarden.yaml: directives.img-src[1]: expected a source expression (a string), got null',
    ],
    [
      { directives: { 'Script-Src': [] } },
      'tagwarden.yaml: directives.Script-Src: expected a known CSP directive name, got "Script-Src" (did you mean "script-src"?)',
    ],
    [
      { directives: [] },
      'tagwarden.yaml: directives: expected an object mapping CSP directive names to source expressions, got a list',
    ],
    [{ action: 'deny', directives: {} }, 'tagwarden.yaml: action: expected "block" or "report", got "deny"'],
    [
      { direktives: {} },
      'tagwarden.yaml: direktives: unknown field; expected one of action, directives, pins, routes',
    ],
    [
      {},
      'tagwarden.yaml: directives: missing; expected an object mapping CSP directive names to source expressions',
    ],
    [
      null,
      'tagwarden.yaml: expected a policy object with "directives" (and optionally "action" and "routes"), got null',
    ],
    [
      42,
      'tagwarden.yaml: expected a policy object with "directives" (and optionally "action" and "routes"), got 42',
    ],
    [
      { directives: { 'script-src': ["'none'", 'https:'] } },
      "tagwarden.yaml: directives.script-src[0]: expected 'none' alone ('none' with other expressions is ignored)",
    ],
    [
      { directives: { sandbox: ['allow-scripts', 'a;b'] } },
      'tagwarden.yaml: directives.sandbox[1]: expected a token of visible ASCII characters other than ";" and ",", got "a;b"',
    ],
  ]
  for (const [input, message] of cases) {
    const e = policyErrorOf(t, () => parsePolicy(input, 'tagwarden.yaml'))
    t.equal(e.message, message)
    t.equal(e.code, 'TW_ERR_POLICY')
    t.equal(e.file, 'tagwarden.yaml')
    t.notMatch(e.message, /\n/, 'one line')
  }
})

t.test('without an origin, messages say where the policy came from and error.file is unset', async (t) => {
  const e = policyErrorOf(t, () => parsePolicy({ directives: { 'img-src': ['https://'] } }))
  t.match(e.message, /^<object>: directives\.img-src\[0\]: expected a CSP source expression/)
  t.equal(e.file, undefined)
  t.equal(e.field, 'directives.img-src[0]')
})

t.test("'strict-dynamic' and nonces are UnsupportedPolicyErrors where tagwarden enforces", async (t) => {
  const cases: [unknown, string, RegExp][] = [
    [
      { directives: { 'script-src': ["'self'", "'strict-dynamic'"] } },
      'directives.script-src[1]',
      /'strict-dynamic'/,
    ],
    [{ directives: { 'default-src': "'STRICT-DYNAMIC'" } }, 'directives.default-src[0]', /'strict-dynamic'/],
    [
      { directives: { 'script-src-elem': ["'nonce-r4nd0m'"] } },
      'directives.script-src-elem[0]',
      /nonces are minted per response/,
    ],
    [{ directives: { 'style-src': ["'nonce-r4nd0m'"] } }, 'directives.style-src[0]', /nonces/],
    [
      { directives: {}, routes: [{ path: '/', directives: { 'script-src': "'nonce-x'" } }] },
      'routes[0].directives.script-src[0]',
      /nonces/,
    ],
    ["script-src 'self' 'nonce-abc'", 'directives.script-src[1]', /nonces/],
  ]
  for (const [input, field, why] of cases) {
    const e = policyErrorOf(t, () => parsePolicy(input, 'p.json'))
    t.ok(e instanceof UnsupportedPolicyError, field)
    t.equal(e.code, 'TW_ERR_POLICY_UNSUPPORTED')
    t.equal(e.field, field)
    t.equal(e.file, 'p.json')
    t.match(e.message, new RegExp(`^p\\.json: ${field.replace(/[.[\]]/g, '\\$&')}: unsupported: `))
    t.match(e.message, why)
  }
})

t.test('directives tagwarden does not check are accepted and listed, never dropped', async (t) => {
  const policy = parsePolicy(
    "default-src 'self'; connect-src 'self' 'nonce-abc'; font-src https:; frame-ancestors 'none'; " +
      'sandbox allow-scripts; report-uri /csp; report-to main; upgrade-insecure-requests; ' +
      "block-all-mixed-content; trusted-types default; require-trusted-types-for 'script'; webrtc 'block'; " +
      "worker-src 'self'; manifest-src 'self'; media-src 'self'; prefetch-src 'self'; fenced-frame-src https:; " +
      "child-src 'self'",
  )
  t.same(policy.unchecked, [
    'connect-src',
    'font-src',
    'frame-ancestors',
    'sandbox',
    'report-uri',
    'report-to',
    'upgrade-insecure-requests',
    'block-all-mixed-content',
    'trusted-types',
    'require-trusted-types-for',
    'webrtc',
    'worker-src',
    'manifest-src',
    'media-src',
    'prefetch-src',
    'fenced-frame-src',
  ])
  t.notOk(policy.unchecked.includes('child-src'), 'child-src is consulted as the fallback of frame-src')
  t.same(expressions(policy, 'sandbox'), ['allow-scripts'], 'kept in the directive set as written')
  t.same(expressions(policy, 'upgrade-insecure-requests'), [])
  const routed = parsePolicy({
    directives: {},
    routes: [{ path: '/a', directives: { 'connect-src': ['https:'] } }],
  })
  t.same(routed.unchecked, ['connect-src'], "a route's unchecked directives are listed too")
})

t.test('source expressions of unchecked directives are still validated', async (t) => {
  const e = policyErrorOf(t, () => parsePolicy({ directives: { 'connect-src': ['wss://'] } }))
  t.equal(e.field, 'directives.connect-src[0]')
})

t.test('keywords that cannot affect markup are accepted and said', async (t) => {
  const policy = parsePolicy(
    { directives: { 'script-src': ["'self'", "'unsafe-eval'", "'wasm-unsafe-eval'", "'report-sample'"] } },
    'p.yaml',
  )
  t.same(policy.warnings, [
    "p.yaml: directives.script-src[1]: 'unsafe-eval' has no effect on markup: it governs eval() at run time",
    "p.yaml: directives.script-src[2]: 'wasm-unsafe-eval' has no effect on markup: it governs WebAssembly compilation at run time",
    "p.yaml: directives.script-src[3]: 'report-sample' has no effect on markup: it only shapes browser violation reports",
  ])
  const inline = {
    kind: 'inline',
    directive: 'script-src-elem',
    type: 'script',
    source: 'eval("1")',
  } as const
  t.notOk(allows(policy.directiveSet, inline, self), "'unsafe-eval' does not allow inline script")
})

t.test("a route's directives replace the policy's directives of the same name", async (t) => {
  const policy = parsePolicy({
    directives: { 'default-src': ["'self'"], 'frame-src': ["'none'"] },
    routes: [{ path: '/embed/*', directives: { 'frame-src': ['https://player.example/'] } }],
  })
  const route = policy.routes[0]!
  t.equal(route.path, '/embed/*')
  t.same([...route.directiveSet.directives.keys()], ['default-src', 'frame-src'])
  t.same(route.directiveSet.directives.get('frame-src')?.expressions, ['https://player.example/'])
  t.equal(
    route.directiveSet.directives.get('default-src'),
    policy.directiveSet.directives.get('default-src'),
    'other directives are the same source lists',
  )
  t.same(
    policy.directiveSet.directives.get('frame-src')?.expressions,
    ["'none'"],
    'the policy itself is unchanged',
  )
})

t.test('loadPolicy reads YAML and JSON files', async (t) => {
  const dir = t.testdir({
    'tagwarden.yaml': [
      'action: report',
      'directives:',
      `  default-src: ["'self'"]`,
      `  script-src: "'self' https://cdn.example.com/js/"`,
      'routes:',
      '  - path: /embed/*',
      '    directives: { frame-src: ["https://player.example.com/"] }',
      '',
    ].join('\n'),
    'policy.yml': `directives:\n  img-src:\n    - "'none'"\n`,
    'policy.json': JSON.stringify({ directives: { 'img-src': ['https:'] } }),
    'policy-json-noext': JSON.stringify({ directives: { 'img-src': ['data:'] } }),
    'policy-yaml-noext': 'directives:\n  img-src: "blob:"\n',
    'bom.json': '\uFEFF{"directives": {"img-src": "https:"}}',
  })
  const yaml = await loadPolicy(join(dir, 'tagwarden.yaml'))
  t.equal(yaml.action, 'report')
  t.equal(yaml.origin, join(dir, 'tagwarden.yaml'))
  t.same(expressions(yaml, 'script-src'), ["'self'", 'https://cdn.example.com/js/'])
  t.equal(yaml.routes[0]?.path, '/embed/*')
  t.same(expressions(await loadPolicy(join(dir, 'policy.yml')), 'img-src'), ["'none'"])
  t.same(expressions(await loadPolicy(join(dir, 'policy.json')), 'img-src'), ['https:'])
  t.same(expressions(await loadPolicy(join(dir, 'policy-json-noext')), 'img-src'), ['data:'])
  t.same(expressions(await loadPolicy(join(dir, 'policy-yaml-noext')), 'img-src'), ['blob:'])
  t.same(
    expressions(await loadPolicy(join(dir, 'bom.json')), 'img-src'),
    ['https:'],
    'a byte order mark is skipped',
  )
})

t.test('file errors name the file', async (t) => {
  const dir = t.testdir({
    'quotes.yaml': "directives:\n  script-src:\n    - 'self'\n",
    'bad.json': '{"directives":\n  {"img-src": [}\n}',
    'bad.yaml': 'directives:\n  img-src: [\n',
    'dupe.yaml': "directives:\n  img-src: ['https:']\n  img-src: ['data:']\n",
    'typo.yml': 'directives:\n  img-scr: ["\'self\'"]\n',
  })
  let e = await rejection(t, loadPolicy(join(dir, 'quotes.yaml')))
  t.ok(e instanceof PolicyError)
  t.equal(
    e.message,
    `${join(dir, 'quotes.yaml')}: directives.script-src[0]: expected 'self' with its single quotes (in YAML write "'self'"), got "self"`,
  )
  t.equal((e as PolicyError).file, join(dir, 'quotes.yaml'))
  e = await rejection(t, loadPolicy(join(dir, 'bad.json')))
  t.ok(e instanceof PolicyError)
  t.match(e.message, new RegExp(`^${join(dir, 'bad.json')}: expected JSON: `))
  t.notMatch(e.message, /\n/, 'one line, though the JSON error quotes a multi-line source')
  e = await rejection(t, loadPolicy(join(dir, 'bad.yaml')))
  t.match(e.message, new RegExp(`^${join(dir, 'bad.yaml')}: expected YAML: .*line \\d+, column \\d+$`))
  e = await rejection(t, loadPolicy(join(dir, 'dupe.yaml')))
  t.match(e.message, /expected YAML: Map keys must be unique/)
  e = await rejection(t, loadPolicy(join(dir, 'typo.yml')))
  t.match(
    e.message,
    /typo\.yml: directives\.img-scr: expected a known CSP directive name, got "img-scr" \(did you mean "img-src"\?\)$/,
  )
  e = await rejection(t, loadPolicy(join(dir, 'missing.yaml')))
  t.ok(e instanceof IoError)
  t.equal((e as IoError).code, 'TW_ERR_IO')
  t.match(e.message, new RegExp(`^${join(dir, 'missing.yaml')}: cannot read the policy: `))
})
