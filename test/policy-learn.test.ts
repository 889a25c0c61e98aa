import { createHash } from 'node:crypto'
import t from 'tap'
import { learnPolicy } from '../src/policy/learn.js'
import { parsePolicy } from '../src/policy/load.js'
import { allows } from '../src/policy/match.js'
import {
  CHECKED_DIRECTIVES,
  type CheckedDirective,
  type InlineType,
  type Reference,
} from '../src/policy/types.js'

const sha256 = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`
const url = (directive: CheckedDirective, href: string): Reference => ({
  kind: 'url',
  directive,
  url: new URL(href),
})
const inline = (
  type: InlineType,
  source: string,
  directive: CheckedDirective = 'script-src-elem',
): Reference => ({
  kind: 'inline',
  directive,
  type,
  source,
})

const refs: Reference[] = [
  url('script-src-elem', 'https://cdn.example.com/js/app.js?v=3'),
  url('script-src-elem', 'https://cdn.example.com/js/'),
  url('script-src-elem', 'http://legacy.example:8080/a;b,c|d[e]^f%g%41.js'),
  url('style-src-elem', 'https://site.example/css/site.css'),
  url('img-src', 'https://img.example/caf%C3%A9/a b.png'),
  url('img-src', 'data:image/png;base64,iVBORw0KGgo='),
  url('img-src', 'http://10.1.2.3/pixel.gif'),
  url('img-src', 'https://[2001:db8::1]:8443/x.png'),
  url('img-src', 'https://under_score.example/x.png'),
  url('img-src', 'https://trailing.example./x.png'),
  url('img-src', 'https://double.example//x.png'),
  url('img-src', 'http://127.0.0.1:3000/local.png'),
  url('frame-src', 'https://www.youtube.com/embed/abc'),
  url('frame-src', 'about:blank'),
  url('object-src', 'blob:https://site.example/7f1c'),
  url('base-uri', 'https://site.example/'),
  url('form-action', 'https://site.example/login'),
  url('form-action', 'javascript:void(0)'),
  url('navigate-to', 'wss://push.example/socket'),
  url('navigate-to', 'custom://Host.Example/x'),
  inline('script', 'console.log("héllo ✓")'),
  inline('script', ''),
  inline('script attribute', 'doSubmit()', 'script-src-attr'),
  inline('navigation', 'javascript:opener.navigated();', 'script-src-attr'),
  inline('style', 'p { color: red }', 'style-src-elem'),
  inline('style attribute', 'margin: 0', 'style-src-attr'),
]

t.test('round trip: the learned policy allows every learned reference', async (t) => {
  const learned = learnPolicy(refs)
  const policy = parsePolicy(JSON.parse(JSON.stringify(learned)), 'learned.json')
  for (const self of ['https://site.example/page', 'http://other.example/', 'file:///x.html']) {
    for (const ref of refs) {
      const what = ref.kind === 'url' ? ref.url.href : `${ref.type}: ${ref.source}`
      t.ok(allows(policy.directiveSet, ref, new URL(self)), `${ref.directive} ${what} (self ${self})`)
    }
  }
})

t.test('every checked directive is present, plus default-src; nothing seen is none', async (t) => {
  const learned = learnPolicy([url('img-src', 'https://img.example/a.png')])
  t.equal(learned.action, 'block')
  t.same(Object.keys(learned.directives), [...CHECKED_DIRECTIVES, 'default-src'].sort())
  for (const [name, expressions] of Object.entries(learned.directives)) {
    t.same(expressions, name === 'img-src' ? ['https://img.example/a.png'] : ["'none'"], name)
  }
  t.same(learnPolicy([]).directives['img-src'], ["'none'"])
})

t.test('URLs become exact host-sources', async (t) => {
  const learned = learnPolicy(refs)
  t.same(
    learned.directives['script-src-elem'],
    [
      sha256(''),
      sha256('console.log("héllo ✓")'),
      sha256('javascript:opener.navigated();'),
      "'unsafe-hashes'",
      'http://legacy.example:8080/a%3Bb%2Cc%7Cd%5Be%5D%5Ef%25g%41.js',
      'https://cdn.example.com/js/',
      'https://cdn.example.com/js/app.js',
    ].sort(),
  )
  t.same(learned.directives['img-src'], [
    'data:',
    'http://*/pixel.gif',
    'http://127.0.0.1:3000/local.png',
    'https://*/x.png',
    'https://*:8443/x.png',
    'https://double.example/',
    'https://img.example/caf%C3%A9/a%20b.png',
  ])
  t.same(learned.directives['form-action'], ['https://site.example/login', 'javascript:'])
  t.same(learned.directives['navigate-to'], ['custom://host.example/x', 'wss://push.example/socket'])
  t.same(learned.directives['script-src-attr'], ["'unsafe-hashes'", sha256('doSubmit()')].sort())
  t.same(learned.directives['style-src-elem'], [
    sha256('p { color: red }'),
    'https://site.example/css/site.css',
  ])
  t.same(learned.directives['style-src-attr'], ["'unsafe-hashes'", sha256('margin: 0')].sort())
})

t.test('the learned policy allows nothing else that CSP can tell apart', async (t) => {
  const policy = parsePolicy(learnPolicy(refs))
  const self = new URL('https://site.example/')
  const denied: Reference[] = [
    url('script-src-elem', 'https://cdn.example.com/js2/app.js'),
    url('script-src-elem', 'https://cdn.example.com/app.js'),
    url('script-src-elem', 'https://cdn.example.com.evil/js/app.js'),
    url('script-src-elem', 'http://cdn.example.com/js/app.js'),
    url('script-src-elem', 'https://cdn.example.com:8443/js/app.js'),
    url('script-src-elem', 'https://site.example/js/app.js'),
    url('style-src-elem', 'https://site.example/css/other.css'),
    url('img-src', 'https://img.example/other.png'),
    url('frame-src', 'https://www.youtube.com/embed/other'),
    url('frame-src', 'https://evil.example/'),
    url('object-src', 'https://site.example/x.swf'),
    url('base-uri', 'https://evil.example/'),
    url('form-action', 'https://evil.example/login'),
    url('navigate-to', 'https://evil.example/'),
    url('img-src', 'blob:https://site.example/x'),
    inline('script', 'alert(1)'),
    inline('script attribute', 'alert(1)', 'script-src-attr'),
    inline('navigation', 'javascript:alert(1)', 'script-src-elem'),
    inline('style', 'p { color: blue }', 'style-src-elem'),
    inline('style attribute', 'margin: 1px', 'style-src-attr'),
    inline('script attribute', 'console.log("héllo ✓")', 'script-src-attr'),
  ]
  for (const ref of denied) {
    const what = ref.kind === 'url' ? ref.url.href : `${ref.type}: ${ref.source}`
    t.notOk(allows(policy.directiveSet, ref, self), `${ref.directive} ${what}`)
  }
})

t.test("'unsafe-hashes' only where attribute or navigation hashes were learned", async (t) => {
  const learned = learnPolicy([inline('script', 'a()'), inline('style', 'p{}', 'style-src-elem')])
  t.same(learned.directives['script-src-elem'], [sha256('a()')])
  t.same(learned.directives['style-src-elem'], [sha256('p{}')])
  t.same(learned.directives['script-src-attr'], ["'none'"])
})

t.test('output is deterministic', async (t) => {
  const a = JSON.stringify(learnPolicy(refs))
  const b = JSON.stringify(learnPolicy([...refs].reverse()))
  const c = JSON.stringify(learnPolicy([...refs, ...refs]))
  t.equal(a, b, 'order does not matter')
  t.equal(a, c, 'duplicates do not matter')
})

t.test('widenings CSP forces are reported once each, sorted', async (t) => {
  const warnings: string[] = []
  learnPolicy([...refs, ...refs], { onWarning: (w) => warnings.push(w) })
  t.same(warnings, [...warnings].sort())
  t.equal(new Set(warnings).size, warnings.length)
  const expected = [
    /^form-action: javascript:void\(0\): .*learned "javascript:", which allows any javascript: URL here$/,
    /^frame-src: about:blank: .*learned "about:"/,
    /^img-src: data:image\/png;base64,iVBORw0KGgo=: .*learned "data:", which allows any data: URL here$/,
    /^img-src: http:\/\/10\.1\.2\.3\/pixel\.gif: CSP cannot name host 10\.1\.2\.3; learned "\*"/,
    /^img-src: https:\/\/\[2001:db8::1\]:8443\/x\.png: CSP cannot name host \[2001:db8::1\]/,
    /^img-src: https:\/\/under_score\.example\/x\.png: CSP cannot name host under_score\.example/,
    /^img-src: https:\/\/trailing\.example\.\/x\.png: CSP cannot name host trailing\.example\./,
    /^img-src: https:\/\/double\.example\/\/x\.png: .*path starting with "\/\/"/,
    /^object-src: blob:https:\/\/site\.example\/7f1c: .*learned "blob:"/,
  ]
  t.equal(warnings.length, expected.length)
  for (const pattern of expected)
    t.ok(
      warnings.some((w) => pattern.test(w)),
      String(pattern),
    )
})
