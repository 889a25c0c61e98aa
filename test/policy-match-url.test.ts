import t from 'tap'
import { parsePolicy } from '../src/policy/load.js'
import { allows, governingDirective } from '../src/policy/match.js'
import { CHECKED_DIRECTIVES, type CheckedDirective, type DirectiveSet } from '../src/policy/types.js'

const SITE = new URL('https://site.example/dir/page.html')

/** Does the policy (a CSP string) allow `href` (resolved against `self`) for `directive`? */
function allowsUrl(
  csp: string | DirectiveSet,
  directive: CheckedDirective,
  href: string,
  self = SITE,
): boolean {
  const set = typeof csp === 'string' ? parsePolicy(csp).directiveSet : csp
  return allows(set, { kind: 'url', directive, url: new URL(href, self) }, self)
}

/** Rows of [href, expected] against one policy and directive. */
function table(t: Tap, csp: string, directive: CheckedDirective, rows: [string, boolean][], self = SITE) {
  for (const [href, expected] of rows) {
    t.equal(allowsUrl(csp, directive, href, self), expected, `${csp} | ${directive} | ${href} -> ${expected}`)
  }
}
type Tap = Pick<typeof t, 'equal'>

t.test('fallback lists (CSP3 §6.8.3): each checked directive, each fallback', async (t) => {
  const chains: Record<CheckedDirective, string[]> = {
    'script-src-elem': ['script-src-elem', 'script-src', 'default-src'],
    'script-src-attr': ['script-src-attr', 'script-src', 'default-src'],
    'style-src-elem': ['style-src-elem', 'style-src', 'default-src'],
    'style-src-attr': ['style-src-attr', 'style-src', 'default-src'],
    'img-src': ['img-src', 'default-src'],
    'frame-src': ['frame-src', 'child-src', 'default-src'],
    'object-src': ['object-src', 'default-src'],
    'base-uri': ['base-uri'],
    'form-action': ['form-action'],
    'navigate-to': ['navigate-to'],
  }
  t.same(Object.keys(chains).sort(), [...CHECKED_DIRECTIVES].sort(), 'every checked directive is covered')
  for (const [directive, chain] of Object.entries(chains) as [CheckedDirective, string[]][]) {
    chain.forEach((name, i) => {
      // `name` allows ok.example; every less specific fallback allows only other.example.
      const csp = [
        `${name} https://ok.example`,
        ...chain.slice(i + 1).map((n) => `${n} https://other.example`),
      ].join('; ')
      t.ok(allowsUrl(csp, directive, 'https://ok.example/x'), `${directive} uses ${name} in "${csp}"`)
      t.notOk(
        allowsUrl(csp, directive, 'https://other.example/x'),
        `${directive} ignores the rest in "${csp}"`,
      )
      t.equal(governingDirective(parsePolicy(csp).directiveSet, directive), name)
    })
    t.ok(allowsUrl('', directive, 'https://anything.example/'), `${directive}: no directive, no restriction`)
  }
})

t.test('directives outside a fallback list never govern', async (t) => {
  // Each: a policy that blocks everything *except* through a directive that is not in the list.
  table(t, "default-src 'none'", 'base-uri', [['https://evil.example/', true]]) // no default-src fallback
  table(t, "default-src 'none'", 'form-action', [['https://evil.example/', true]])
  table(t, "default-src 'none'", 'navigate-to', [['https://evil.example/', true]])
  table(t, "child-src https://ok.example; default-src 'none'", 'object-src', [['https://ok.example/', false]])
  table(t, "child-src https://ok.example; default-src 'none'", 'frame-src', [['https://ok.example/', true]])
  table(t, "script-src-attr 'none'", 'script-src-elem', [['https://evil.example/a.js', true]])
  table(t, "script-src-elem 'none'", 'script-src-attr', [['https://evil.example/a.js', true]])
  table(t, "style-src-elem https://ok.example; default-src 'none'", 'style-src-attr', [
    ['https://ok.example/', false],
  ])
  table(t, "img-src 'none'", 'frame-src', [['https://evil.example/', true]])
  table(t, "connect-src 'none'; worker-src 'none'", 'script-src-elem', [['https://evil.example/', true]])
  table(t, "script-src https://ok.example; default-src 'none'", 'img-src', [['https://ok.example/', false]])
})

t.test("'none' and empty source lists match nothing", async (t) => {
  for (const csp of ["img-src 'none'", 'img-src', "img-src 'NONE'"]) {
    table(t, csp, 'img-src', [
      ['https://site.example/a.png', false],
      ['data:image/png,', false],
    ])
  }
})

t.test("'self' (§6.7.2.7 step 4)", async (t) => {
  table(t, "img-src 'self'", 'img-src', [
    ['/a.png', true],
    ['https://site.example:443/a.png', true],
    ['https://SITE.example/a.png', true],
    ['wss://site.example/socket', true],
    ['http://site.example/a.png', false],
    ['ws://site.example/', false],
    ['https://site.example:8443/a.png', false],
    ['https://sub.site.example/a.png', false],
    ['https://example/a.png', false],
    ['blob:https://site.example/0b6d-4c1f', false],
    ['data:image/png,', false],
  ])
  const http = new URL('http://site.example/')
  table(
    t,
    "img-src 'self'",
    'img-src',
    [
      ['http://site.example/a.png', true],
      ['https://site.example/a.png', true],
      ['ws://site.example/', true],
      ['wss://site.example/', true],
      ['http://site.example:8080/a.png', false],
      ['https://site.example:80/a.png', false],
    ],
    http,
  )
  const port = new URL('http://site.example:8080/')
  table(
    t,
    "img-src 'self'",
    'img-src',
    [
      ['http://site.example:8080/a.png', true],
      ['https://site.example:8080/a.png', true],
      ['https://site.example/a.png', false],
      ['http://site.example/a.png', false],
    ],
    port,
  )
  table(t, "img-src 'self'", 'img-src', [['file:///x.png', false]], new URL('file:///page.html'))
})

t.test('"*" matches HTTP(S) and the document\'s own scheme only (§6.7.2.7 step 1)', async (t) => {
  table(t, 'img-src *', 'img-src', [
    ['https://any.example/', true],
    ['http://any.example:8080/x', true],
    ['data:image/png,', false],
    ['blob:https://site.example/x', false],
    ['ws://any.example/', false],
    ['ftp://any.example/', false],
    ['javascript:alert(1)', false],
  ])
  table(t, 'img-src *', 'img-src', [['ftp://any.example/', true]], new URL('ftp://site.example/'))
  table(t, 'img-src * data:', 'img-src', [['data:image/png,', true]])
})

t.test('scheme-sources (§6.7.2.8: insecure schemes also match their secure upgrade)', async (t) => {
  table(t, 'img-src https:', 'img-src', [
    ['https://a.example/', true],
    ['http://a.example/', false],
    ['wss://a.example/', false],
  ])
  table(t, 'img-src http:', 'img-src', [
    ['http://a.example/', true],
    ['https://a.example/', true],
    ['ws://a.example/', false],
  ])
  table(t, 'img-src ws:', 'img-src', [
    ['ws://a.example/', true],
    ['wss://a.example/', true],
    ['http://a.example/', true],
    ['https://a.example/', true],
  ])
  table(t, 'img-src wss:', 'img-src', [
    ['wss://a.example/', true],
    ['https://a.example/', true],
    ['ws://a.example/', false],
    ['http://a.example/', false],
  ])
  table(t, 'img-src DATA:', 'img-src', [
    ['data:image/png;base64,AAAA', true],
    ['https://a.example/', false],
  ])
  table(t, 'img-src blob:', 'img-src', [
    ['blob:https://site.example/x', true],
    ['data:,', false],
  ])
})

t.test('host-sources: scheme and host parts', async (t) => {
  table(t, 'img-src https://a.example', 'img-src', [
    ['https://a.example/', true],
    ['https://A.EXAMPLE/x/y?q#f', true],
    ['http://a.example/', false],
    ['https://b.example/', false],
    ['https://www.a.example/', false],
  ])
  table(t, 'img-src http://a.example', 'img-src', [
    ['http://a.example/', true],
    ['https://a.example/', true],
    ['ws://a.example/', false],
  ])
  // Without a scheme-part, the self-origin's scheme applies (with upgrades).
  table(t, 'img-src a.example', 'img-src', [
    ['https://a.example/', true],
    ['http://a.example/', false],
    ['wss://a.example/', false],
  ])
  table(
    t,
    'img-src a.example',
    'img-src',
    [
      ['http://a.example/', true],
      ['https://a.example/', true],
      ['ftp://a.example/', false],
    ],
    new URL('http://site.example/'),
  )
  table(t, 'img-src a.example', 'img-src', [['https://a.example/', false]], new URL('data:text/html,x'))
  table(t, 'img-src https://a.example', 'img-src', [['data:image/png,', false]])
})

t.test('wildcard hosts (§6.7.2.9)', async (t) => {
  table(t, 'img-src https://*.example.com', 'img-src', [
    ['https://www.example.com/', true],
    ['https://a.b.example.com/', true],
    ['https://WWW.Example.Com/', true],
    ['https://example.com/', false],
    ['https://evilexample.com/', false],
    ['https://example.com.evil/', false],
    ['https://www.example.com.evil/', false],
    ['http://www.example.com/', false],
  ])
  table(t, 'img-src https://*', 'img-src', [
    ['https://anything.example/', true],
    ['https://10.0.0.1/', true],
    ['http://anything.example/', false],
  ])
  table(t, 'img-src *:8080', 'img-src', [
    ['https://anything.example:8080/', true],
    ['https://anything.example/', false],
  ])
})

t.test('IP addresses: only 127.0.0.1 can match a host-part (§6.7.2.9 step 3)', async (t) => {
  table(t, 'img-src http://127.0.0.1:8080', 'img-src', [
    ['http://127.0.0.1:8080/x', true],
    ['http://0x7f.1:8080/x', true], // the URL parser canonicalises the IPv4 address
    ['http://127.0.0.1/x', false],
  ])
  table(t, 'img-src http://10.0.0.1', 'img-src', [['http://10.0.0.1/x', false]])
})

t.test('ports (§6.7.2.10, plus the :80 -> :443 upgrade of §1.3)', async (t) => {
  table(t, 'img-src https://a.example', 'img-src', [
    ['https://a.example:443/', true],
    ['https://a.example:8443/', false],
    ['https://a.example:80/', false],
  ])
  table(t, 'img-src https://a.example:8443', 'img-src', [
    ['https://a.example:8443/', true],
    ['https://a.example/', false],
  ])
  table(t, 'img-src https://a.example:443', 'img-src', [
    ['https://a.example/', true],
    ['https://a.example:8443/', false],
  ])
  table(t, 'img-src https://a.example:*', 'img-src', [
    ['https://a.example:1/', true],
    ['https://a.example/', true],
    ['http://a.example:1/', false],
  ])
  table(t, 'img-src http://a.example', 'img-src', [
    ['https://a.example/', true],
    ['http://a.example:8080/', false],
    ['https://a.example:8443/', false],
  ])
  table(t, 'img-src http://a.example:80', 'img-src', [
    ['http://a.example/', true],
    ['https://a.example/', true],
    ['https://a.example:8443/', false],
  ])
  table(t, 'img-src https://a.example:80', 'img-src', [['https://a.example/', false]])
  table(t, 'img-src http://a.example:8080', 'img-src', [
    ['http://a.example:8080/', true],
    ['https://a.example:8080/', true],
    ['https://a.example/', false],
  ])
  table(t, 'img-src ws://a.example:80', 'img-src', [['wss://a.example/', true]])
})

t.test('paths (§6.7.2.11)', async (t) => {
  table(t, 'script-src https://cdn.example/js/', 'script-src-elem', [
    ['https://cdn.example/js/', true],
    ['https://cdn.example/js/a.js', true],
    ['https://cdn.example/js/sub/b.js?v=1#x', true],
    ['https://cdn.example/js', false],
    ['https://cdn.example/jsx/a.js', false],
    ['https://cdn.example/JS/a.js', false],
    ['https://cdn.example/', false],
    ['https://cdn.example/js/../evil.js', false],
    ['https://cdn.example/js/%2e%2e/evil.js', false],
    ['https://cdn.example/js\\..\\evil.js', false],
    ['https://cdn.example/evil.js?/js/', false],
  ])
  table(t, 'script-src https://cdn.example/js/a.js', 'script-src-elem', [
    ['https://cdn.example/js/a.js', true],
    ['https://cdn.example/js/a.js?cache=1', true],
    ['https://cdn.example/js/a.jsx', false],
    ['https://cdn.example/js/a.js/', false],
    ['https://cdn.example/js/a.js/x', false],
    ['https://cdn.example/js/', false],
  ])
  table(t, 'img-src https://a.example/', 'img-src', [['https://a.example/anything/at/all', true]])
  // Segments are split first, then percent-decoded on both sides.
  table(t, 'img-src https://a.example/caf%C3%A9/a%20b.png', 'img-src', [
    ['https://a.example/café/a b.png', true],
    ['https://a.example/caf%c3%a9/a%20b.png', true],
    ['https://a.example/cafe/a b.png', false],
  ])
  table(t, 'img-src https://a.example/a/b', 'img-src', [
    ['https://a.example/a/b', true],
    ['https://a.example/a%2Fb', false],
    ['https://a.example/a/%62', true],
  ])
})

t.test('a learned policy: thousands of exact paths on one host, prefixes beside them', async (t) => {
  const paths = Array.from({ length: 2000 }, (_, i) => `https://a.example/img/${i}.png`)
  const csp = `img-src ${paths.join(' ')} https://a.example/static/ https://a.example/a%2Fb`
  table(t, csp, 'img-src', [
    ['https://a.example/img/0.png', true],
    ['https://a.example/img/1999.png?v=2', true],
    ['https://a.example/img/%31%39%39%39.png', true],
    ['http://a.example/img/7.png', false],
    ['https://b.example/img/7.png', false],
    ['https://a.example/img/2000.png', false],
    ['https://a.example/img/7.png/', false],
    ['https://a.example/static/any/thing.css', true],
    ['https://a.example/a%2fb', true],
    ['https://a.example/a/b', false],
  ])
})

t.test('look-alike URLs are not allowed', async (t) => {
  table(t, 'script-src https://allowed.example', 'script-src-elem', [
    ['https://allowed.example/a.js', true],
    ['https://allowed.example.evil/a.js', false],
    ['https://allowed.example-evil.example/a.js', false],
    ['https://evilallowed.example/a.js', false],
    ['https://allowed.example@evil.example/a.js', false],
    ['https://allowed.example:443@evil.example/a.js', false],
    ['https://user:pass@evil.example/allowed.example/a.js', false],
    ['https://evil.example\\allowed.example/a.js', false],
    ['https://evil.example/https://allowed.example/a.js', false],
    ['https://evil.example/?https://allowed.example/', false],
    ['https://evil.example#https://allowed.example/', false],
    ['https://allowed.example./a.js', false], // a trailing dot is another host string (§6.7.2.9)
    ['http://allowed.example/a.js', false],
    ['ws://allowed.example/a.js', false],
    ['//evil.example/allowed.example', false],
    ['javascript://allowed.example/%0aalert(1)', false],
    ['data:text/javascript,//allowed.example', false],
  ])
  // The URL parser decides the host, as the browser does: these really are allowed.example.
  table(t, 'script-src https://allowed.example', 'script-src-elem', [
    ['https://allowed%2Eexample/a.js', true],
    ['https://ALLOWED.EXAMPLE/a.js', true],
    ['https://user@allowed.example/a.js', true],
  ])
})

t.test(
  "hand-built sets: 'strict-dynamic' blocks parser-inserted scripts; bad expressions match nothing",
  async (t) => {
    const set: DirectiveSet = {
      directives: new Map([
        ['script-src', { expressions: ["'self'", 'https://cdn.example', "'strict-dynamic'"] }],
        ['img-src', { expressions: ['https://', "'self'", 'not a source'] }],
      ]),
    }
    t.notOk(
      allowsUrl(set, 'script-src-elem', 'https://cdn.example/a.js'),
      'host sources are ignored (§6.7.1.1 step 1.3)',
    )
    t.notOk(allowsUrl(set, 'script-src-elem', '/a.js'))
    t.ok(allowsUrl(set, 'img-src', '/a.png'))
    t.notOk(allowsUrl(set, 'img-src', 'https://evil.example/a.png'))
  },
)
