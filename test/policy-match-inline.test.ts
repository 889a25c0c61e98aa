import { createHash } from 'node:crypto'
import t from 'tap'
import { effectiveDirectiveForInline } from '../src/policy/directives.js'
import { parsePolicy } from '../src/policy/load.js'
import { allows } from '../src/policy/match.js'
import type { CheckedDirective, DirectiveSet, InlineType } from '../src/policy/types.js'

const self = new URL('https://site.example/')

const hash = (source: string, algorithm = 'sha256') =>
  `'${algorithm}-${createHash(algorithm).update(Buffer.from(source, 'utf8')).digest('base64')}'`

function allowsInline(
  csp: string | DirectiveSet,
  type: InlineType,
  source: string,
  directive?: CheckedDirective,
) {
  const set = typeof csp === 'string' ? parsePolicy(csp).directiveSet : csp
  return allows(
    set,
    { kind: 'inline', type, source, directive: directive ?? effectiveDirectiveForInline(type) },
    self,
  )
}

t.test('effective directive for inline checks (CSP3 §6.8.2)', async (t) => {
  t.equal(effectiveDirectiveForInline('script'), 'script-src-elem')
  t.equal(effectiveDirectiveForInline('navigation'), 'script-src-elem')
  t.equal(effectiveDirectiveForInline('script attribute'), 'script-src-attr')
  t.equal(effectiveDirectiveForInline('style'), 'style-src-elem')
  t.equal(effectiveDirectiveForInline('style attribute'), 'style-src-attr')
})

t.test('no governing directive: inline allowed; a source list without inline sources: blocked', async (t) => {
  t.ok(allowsInline('img-src https:', 'script', 'alert(1)'))
  for (const csp of [
    "default-src 'self'",
    "script-src 'none'",
    'script-src *',
    "script-src 'self' https: data:",
  ]) {
    t.notOk(allowsInline(csp, 'script', 'alert(1)'), csp)
  }
})

t.test("'unsafe-inline' allows every inline behaviour of its directive", async (t) => {
  const types: InlineType[] = ['script', 'script attribute', 'navigation', 'style', 'style attribute']
  for (const type of types) {
    t.ok(allowsInline("default-src 'unsafe-inline'", type, 'x()'), `${type} via default-src`)
    t.ok(allowsInline("default-src 'UNSAFE-INLINE'", type, 'x()'), `${type}, keyword case-insensitive`)
  }
  t.ok(allowsInline("script-src 'unsafe-inline'; style-src 'none'", 'script attribute', 'x()'))
  t.notOk(allowsInline("script-src 'unsafe-inline'; style-src 'none'", 'style attribute', 'color:red'))
  t.notOk(allowsInline("script-src 'unsafe-inline'; script-src-attr 'none'", 'script attribute', 'x()'))
  t.ok(allowsInline("script-src 'unsafe-inline'; script-src-attr 'none'", 'script', 'x()'))
})

t.test('hashes: sha256/384/512 of the UTF-8 source, base64 or base64url', async (t) => {
  const source = 'console.log("héllo ✓ 😀")'
  for (const algorithm of ['sha256', 'sha384', 'sha512']) {
    const csp = `script-src ${hash(source, algorithm)}`
    t.ok(allowsInline(csp, 'script', source), algorithm)
    t.notOk(allowsInline(csp, 'script', `${source} `), `${algorithm}: one more space is another script`)
    t.ok(
      allowsInline(csp.replace(algorithm, algorithm.toUpperCase()), 'script', source),
      'algorithm is case-insensitive',
    )
  }
  // Find a source whose digest has "+" or "/", so base64url differs from base64.
  let i = 0
  while (!/[+/]/.test(hash(`s${i}`))) i++
  const base64 = hash(`s${i}`)
  const base64url = base64.replace(/\+/g, '-').replace(/\//g, '_')
  t.not(base64url, base64)
  t.ok(allowsInline(`script-src ${base64url}`, 'script', `s${i}`), 'base64url form matches')
  t.ok(allowsInline(`style-src ${base64}`, 'style', `s${i}`), 'style blocks too')
  t.notOk(
    allowsInline(`default-src ${base64}; style-src 'none'`, 'style', `s${i}`),
    'style-src governs style',
  )
})

t.test('lone surrogates hash as U+FFFD (JavaScript string converting, §6.7.3.3 step 5.1)', async (t) => {
  t.ok(allowsInline(`script-src ${hash('a\uFFFDb')}`, 'script', 'a\uD800b'))
  t.notOk(allowsInline(`script-src ${hash('ab')}`, 'script', 'a\uD800b'))
})

t.test("a hash (or nonce) disables 'unsafe-inline' (§6.7.3.2)", async (t) => {
  const good = 'good()'
  const csp = `script-src 'unsafe-inline' ${hash(good)}`
  t.ok(allowsInline(csp, 'script', good))
  t.notOk(allowsInline(csp, 'script', 'evil()'), "'unsafe-inline' no longer applies")
  t.notOk(allowsInline(csp, 'script attribute', 'evil()'), 'for attributes either')
  t.notOk(allowsInline(`style-src 'unsafe-inline' ${hash('a{}')}`, 'style attribute', 'color:red'))
  t.ok(allowsInline(`script-src ${hash('x')}; style-src 'unsafe-inline'`, 'style', 'p{}'), 'per directive')
  const handBuilt = (expressions: string[]): DirectiveSet => ({
    directives: new Map([['script-src', { expressions }]]),
  })
  t.notOk(allowsInline(handBuilt(["'unsafe-inline'", "'nonce-abc'"]), 'script', 'x'), 'a nonce disables it')
  t.notOk(
    allowsInline(handBuilt(["'unsafe-inline'", "'sha256-short'"]), 'script', 'x'),
    'so does a malformed hash',
  )
  t.notOk(
    allowsInline(handBuilt(["'unsafe-inline'", "'strict-dynamic'"]), 'script', 'x'),
    "and 'strict-dynamic'",
  )
  t.notOk(allowsInline(handBuilt(["'unsafe-inline'", "'strict-dynamic'"]), 'navigation', 'javascript:x'))
  const style: DirectiveSet = {
    directives: new Map([['style-src', { expressions: ["'unsafe-inline'", "'strict-dynamic'"] }]]),
  }
  t.ok(allowsInline(style, 'style', 'p{}'), "'strict-dynamic' only concerns scripts")
})

t.test(
  "attributes and navigations need 'unsafe-hashes' for their hashes to count (§6.7.3.3 step 5)",
  async (t) => {
    const handler = 'doSubmit()'
    t.notOk(allowsInline(`script-src ${hash(handler)}`, 'script attribute', handler))
    t.ok(allowsInline(`script-src 'unsafe-hashes' ${hash(handler)}`, 'script attribute', handler))
    t.ok(allowsInline(`script-src-attr 'UNSAFE-HASHES' ${hash(handler)}`, 'script attribute', handler))
    t.notOk(allowsInline(`script-src 'unsafe-hashes' ${hash(handler)}`, 'script attribute', 'other()'))
    const style = 'color: red'
    t.notOk(allowsInline(`style-src ${hash(style)}`, 'style attribute', style))
    t.ok(allowsInline(`style-src 'unsafe-hashes' ${hash(style)}`, 'style attribute', style))
    t.ok(
      allowsInline(`script-src ${hash(handler)}`, 'script', handler),
      "elements never need 'unsafe-hashes'",
    )
  },
)

t.test('javascript: navigations: script-src-elem, hashing the whole URL (§4.2.4 step 3)', async (t) => {
  // Vector from web-platform-tests content-security-policy/unsafe-hashes: this hash allows
  // exactly "javascript:opener.navigated();".
  const wpt = "'sha256-N5bidCKdNO1nSPa1G7MdL6S7Y7MKZ7UMIS/40JBMSe4='"
  t.equal(hash('javascript:opener.navigated();'), wpt)
  t.ok(allowsInline(`script-src 'unsafe-hashes' ${wpt}`, 'navigation', 'javascript:opener.navigated();'))
  t.notOk(
    allowsInline(
      `script-src 'unsafe-hashes' ${hash('opener.navigated();')}`,
      'navigation',
      'javascript:opener.navigated();',
    ),
  )
  t.notOk(
    allowsInline(`script-src ${wpt}`, 'navigation', 'javascript:opener.navigated();'),
    "needs 'unsafe-hashes'",
  )
  t.ok(
    allowsInline("script-src-elem 'unsafe-inline'; script-src-attr 'none'", 'navigation', 'javascript:x()'),
  )
  t.notOk(
    allowsInline("script-src-elem 'none'; script-src-attr 'unsafe-inline'", 'navigation', 'javascript:x()'),
  )
  t.notOk(
    allowsInline(
      "script-src-elem 'none'; script-src-attr 'unsafe-inline'",
      'navigation',
      'javascript:x()',
      'script-src-attr',
    ),
    'the type decides the directive, whatever ref.directive says',
  )
})

t.test("'self', schemes and hosts never allow inline code", async (t) => {
  t.notOk(allowsInline("script-src 'self' https: * data:", 'script', 'x'))
  t.notOk(allowsInline("style-src 'self' https: *", 'style attribute', 'color:red'))
})
