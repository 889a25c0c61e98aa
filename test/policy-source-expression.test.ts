import { createHash } from 'node:crypto'
import t from 'tap'
import { parseSourceExpression } from '../src/policy/source-expression.js'

const digest = (algorithm: string, text: string) =>
  createHash(algorithm).update(text, 'utf8').digest('base64')
const sha256 = digest('sha256', 'x')
const sha384 = digest('sha384', 'x')
const sha512 = digest('sha512', 'x')

t.test('valid CSP3 source expressions (§2.3.1) parse to the expected kind', async (t) => {
  const valid: [string, string][] = [
    ["'self'", 'keyword'],
    ["'SELF'", 'keyword'],
    ["'unsafe-inline'", 'keyword'],
    ["'unsafe-eval'", 'keyword'],
    ["'wasm-unsafe-eval'", 'keyword'],
    ["'unsafe-hashes'", 'keyword'],
    ["'report-sample'", 'keyword'],
    ["'unsafe-allow-redirects'", 'keyword'],
    ["'strict-dynamic'", 'keyword'],
    ["'none'", 'none'],
    ["'NONE'", 'none'],
    ['*', 'star'],
    ['https:', 'scheme'],
    ['data:', 'scheme'],
    ['custom-scheme+v1.2:', 'scheme'],
    ['example.com', 'host'],
    ['*.example.com', 'host'],
    ['https://*', 'host'],
    ['*:8080', 'host'],
    ['https://*.example.com:*/path/', 'host'],
    ['example.com:8080', 'host'],
    ['https://example.com/', 'host'],
    ['https://example.com/a/b.js', 'host'],
    ['https://example.com/a//b/', 'host'],
    ["https://example.com/%E2%82%AC/!$&'()*+=:@~_.-/", 'host'],
    ['127.0.0.1', 'host'],
    ['xn--tdaaaaaa.de', 'host'],
    [`'sha256-${sha256}'`, 'hash'],
    [`'SHA256-${sha256}'`, 'hash'],
    [`'sha384-${sha384}'`, 'hash'],
    [`'sha512-${sha512}'`, 'hash'],
    [`'sha256-${sha256.replace(/\+/g, '-').replace(/\//g, '_')}'`, 'hash'],
    ["'nonce-abc123+/='", 'nonce'],
  ]
  for (const [text, kind] of valid) {
    const result = parseSourceExpression(text)
    t.ok(result.ok, text)
    if (result.ok) t.equal(result.expression.kind, kind, text)
  }
})

t.test('host-source parts are parsed and lower-cased where CSP is case-insensitive', async (t) => {
  t.same(parseSourceExpression('HTTPS://*.Example.COM:8443/A/b/'), {
    ok: true,
    expression: { kind: 'host', scheme: 'https', host: '*.example.com', port: 8443, path: '/A/b/' },
  })
  t.same(parseSourceExpression('example.com:*'), {
    ok: true,
    expression: { kind: 'host', scheme: null, host: 'example.com', port: '*', path: '' },
  })
  t.same(parseSourceExpression('HTTPS:'), { ok: true, expression: { kind: 'scheme', scheme: 'https' } })
})

t.test('hash values are normalised from base64url to base64 (§6.7.3.3 step 5.2.2.5.2)', async (t) => {
  const url = sha512.replace(/\+/g, '-').replace(/\//g, '_')
  t.not(url, sha512, 'the digest has characters that differ between the encodings')
  t.same(parseSourceExpression(`'sha512-${url}'`), {
    ok: true,
    expression: { kind: 'hash', algorithm: 'sha512', value: sha512 },
  })
})

t.test('invalid expressions name what was expected', async (t) => {
  const invalid: [string, RegExp][] = [
    ['https://', /expected a CSP source expression/],
    ['*example.com', /expected a CSP source expression/],
    ['exa*mple.com', /expected a CSP source expression/],
    ['example.com.', /expected a CSP source expression/],
    ['https://example.com:', /expected a CSP source expression/],
    ['//example.com', /expected a CSP source expression/],
    ['https://example.com?x', /expected a CSP source expression/],
    ["'unsafe-inlin'", /expected a CSP source expression/],
    ["'self", /expected a CSP source expression/],
    ["'sha1-abc='", /expected a CSP source expression/],
    ['https://example.com:65536', /port from 0 to 65535/],
    ['https://example.com/a?b', /without query or fragment/],
    ['https://example.com/a#b', /without query or fragment/],
    ['https://example.com//x', /URL path characters/],
    ['https://example.com/a|b', /URL path characters/],
    ['https://example.com/100%', /URL path characters/],
    ['self', /expected 'self' with its single quotes \(in YAML write "'self'"\)/],
    ['NONE', /expected 'none' with its single quotes/],
    ['unsafe-inline', /expected 'unsafe-inline' with its single quotes/],
    [`sha256-${sha256}`, /in single quotes/],
    ["'sha256-abc'", /44-character base64 \(or base64url\) of a SHA-256 digest/],
    [`'sha256-${sha256.slice(0, -1)}'`, /44-character/], // no padding: could never match
    [`'sha384-${sha256}'`, /64-character base64 .* SHA-384/],
    ["'sha256-a*b'", /44-character/],
    ["'nonce-'", /expected 'nonce-' followed by a base64 value/],
    ["'nonce-a b'", /without spaces/],
    ['https://exämple.com', /ASCII .*Punycode/],
    ['a;b', /";" ends a directive/],
    ['a,b', /"," a policy/],
    ['', /without spaces/],
  ]
  for (const [text, expected] of invalid) {
    const result = parseSourceExpression(text)
    t.notOk(result.ok, JSON.stringify(text))
    if (!result.ok) t.match(result.expected, expected, JSON.stringify(text))
  }
})

t.test('a host named like a hash prefix is still a host', async (t) => {
  const result = parseSourceExpression('sha256-cdn.example.com')
  t.ok(result.ok)
  if (result.ok) t.equal(result.expression.kind, 'host')
})
