import { createHash } from 'node:crypto'
import t from 'tap'
import { inspectHtml, parsePolicy, type Finding } from '../src/index.js'

const url = 'https://shop.example/dir/page'
const none = parsePolicy({ action: 'report', directives: { 'default-src': ["'none'"] } })

/** What the page asks of the policy, as [directive, element, attribute, url-or-inline-source]. */
async function refs(html: string): Promise<string[][]> {
  const found: Finding[] = []
  await inspectHtml(html, { policy: none, url, onFinding: (f) => found.push(f) })
  return found.map((f) => [
    f.ref.directive,
    f.element,
    f.attribute ?? '',
    f.ref.kind === 'url' ? f.ref.url.href : `${f.ref.type}: ${f.ref.source}`,
  ])
}

// One row per element and attribute tagwarden checks, and per thing a browser would not fetch or run.
const table: [string, string[][]][] = [
  ['<script src="/a.js"></script>', [['script-src-elem', 'script', 'src', 'https://shop.example/a.js']]],
  ['<script>run()</script>', [['script-src-elem', 'script', '', 'script: run()']]],
  ['<script type=module>m()</script>', [['script-src-elem', 'script', '', 'script: m()']]],
  ['<script type="text/template"><b>x</b></script>', []],
  ['<script type="application/ld+json" src="/x.json"></script>', []],
  ['<script language="vbscript">x</script>', []],
  ['<script src=""></script>', []],
  ['<script src="http://[bad"></script>', []],
  [
    '<svg><script href="/s.js"></script></svg>',
    [['script-src-elem', 'script', 'href', 'https://shop.example/s.js']],
  ],
  [
    '<svg><script xlink:href="/x.js"></script></svg>',
    [['script-src-elem', 'script', 'xlink:href', 'https://shop.example/x.js']],
  ],
  ['<svg><script>alert(1)</script></svg>', [['script-src-elem', 'script', '', 'script: alert(1)']]],
  ['<math><script>x</script></math>', []],
  [
    '<link rel=stylesheet href=s.css>',
    [['style-src-elem', 'link', 'href', 'https://shop.example/dir/s.css']],
  ],
  [
    '<link rel="preload" as="script" href="/p.js">',
    [['script-src-elem', 'link', 'href', 'https://shop.example/p.js']],
  ],
  [
    '<link rel=modulepreload href="/m.js">',
    [['script-src-elem', 'link', 'href', 'https://shop.example/m.js']],
  ],
  ['<link rel="shortcut icon" href="/f.ico">', [['img-src', 'link', 'href', 'https://shop.example/f.ico']]],
  ['<link rel=preload as=font href="/f.woff">', []],
  ['<style>p{color:red}</style>', [['style-src-elem', 'style', '', 'style: p{color:red}']]],
  ['<style type="text/less">p{}</style>', []],
  ['<p style="color:red">', [['style-src-attr', 'p', 'style', 'style attribute: color:red']]],
  ['<p onclick="go()">', [['script-src-attr', 'p', 'onclick', 'script attribute: go()']]],
  ['<svg onload="x()"></svg>', [['script-src-attr', 'svg', 'onload', 'script attribute: x()']]],
  [
    '<img src="/a.png" srcset="/b.png 2x, /c,d.png 3x">',
    [
      ['img-src', 'img', 'src', 'https://shop.example/a.png'],
      ['img-src', 'img', 'srcset', 'https://shop.example/b.png'],
      ['img-src', 'img', 'srcset', 'https://shop.example/c,d.png'],
    ],
  ],
  [
    '<picture><source srcset="/w.webp"></picture>',
    [['img-src', 'source', 'srcset', 'https://shop.example/w.webp']],
  ],
  ['<video><source src="/v.mp4" srcset="/no.png"></video>', []],
  ['<input type=IMAGE src="/i.png">', [['img-src', 'input', 'src', 'https://shop.example/i.png']]],
  ['<video poster="/p.png"></video>', [['img-src', 'video', 'poster', 'https://shop.example/p.png']]],
  ['<svg><image href="/i.svg"/></svg>', [['img-src', 'image', 'href', 'https://shop.example/i.svg']]],
  ['<body background="/bg.png">', [['img-src', 'body', 'background', 'https://shop.example/bg.png']]],
  ['<iframe src="//evil.example/x"></iframe>', [['frame-src', 'iframe', 'src', 'https://evil.example/x']]],
  ['<iframe src="about:blank"></iframe>', []],
  [
    '<frameset><frame src="/f.html"></frameset>',
    [['frame-src', 'frame', 'src', 'https://shop.example/f.html']],
  ],
  ['<object data="/o.swf"></object>', [['object-src', 'object', 'data', 'https://shop.example/o.swf']]],
  ['<embed src="/e.swf">', [['object-src', 'embed', 'src', 'https://shop.example/e.swf']]],
  ['<base href="https://cdn.example/">', [['base-uri', 'base', 'href', 'https://cdn.example/']]],
  [
    '<form action="https://collect.example/">',
    [['form-action', 'form', 'action', 'https://collect.example/']],
  ],
  ['<form action="">', [['form-action', 'form', 'action', 'https://shop.example/dir/page']]],
  ['<form>', []],
  ['<button formaction="/b">', [['form-action', 'button', 'formaction', 'https://shop.example/b']]],
  [
    '<meta http-equiv="Refresh" content="0; URL=\'https://evil.example/\'">',
    [['navigate-to', 'meta', 'content', 'https://evil.example/']],
  ],
  ['<meta http-equiv=refresh content="5">', []],
  ['<a href="/ok">x</a>', []],
  [
    '<a href=" JavaScript:steal()">x</a>',
    [['script-src-elem', 'a', 'href', 'navigation: javascript:steal()']],
  ],
  ['<a href="java\tscript:x()">x</a>', [['script-src-elem', 'a', 'href', 'navigation: javascript:x()']]],
  [
    '<form action="javascript:x()">',
    [
      ['script-src-elem', 'form', 'action', 'navigation: javascript:x()'],
      ['form-action', 'form', 'action', 'javascript:x()'],
    ],
  ],
  [
    '<iframe src="javascript:x()"></iframe>',
    [['script-src-elem', 'iframe', 'src', 'navigation: javascript:x()']],
  ],
  [
    '<iframe srcdoc="<img src=/in.png>" src="//ignored.example/"></iframe>',
    [['img-src', 'img', 'src', 'https://shop.example/in.png']],
  ],
  ['<template><script src=/t.js></script></template>', []],
  ['<noscript><img src=/n.png></noscript>', []],
  [
    '<img src=a.png><base href="https://cdn.example/x/"><img src=b.png><base href="https://other.example/">',
    [
      ['img-src', 'img', 'src', 'https://shop.example/dir/a.png'],
      ['base-uri', 'base', 'href', 'https://cdn.example/x/'],
      ['img-src', 'img', 'src', 'https://cdn.example/x/b.png'],
      ['base-uri', 'base', 'href', 'https://other.example/'],
    ],
  ],
  [
    '<body><p>x</p><body onload="later()">',
    [['script-src-attr', 'body', 'onload', 'script attribute: later()']],
  ],
]

for (const [html, expected] of table) {
  t.test(html, async (t) => {
    t.same(await refs(html), expected)
  })
}

t.test(
  'SRI: a hash source allows an external script with that integrity (CSP3 script pre-request check)',
  async (t) => {
    const body = 'console.log(1)'
    const hash = createHash('sha384').update(body).digest('base64')
    const policy = parsePolicy({ directives: { 'script-src': [`'sha384-${hash}'`] } })
    const ok = await inspectHtml(
      `<script src="https://any.example/x.js" integrity="sha384-${hash}"></script>`,
      {
        policy,
        url,
      },
    )
    t.equal(ok.status, 'clean')
    const other = await inspectHtml(
      `<script src="https://any.example/x.js" integrity="sha384-AAAA"></script>`,
      {
        policy,
        url,
      },
    )
    t.equal(other.status, 'violation', 'a different integrity is judged by URL')
    const none = await inspectHtml(`<script src="https://any.example/x.js"></script>`, { policy, url })
    t.equal(none.status, 'violation', 'no integrity is judged by URL')
  },
)
