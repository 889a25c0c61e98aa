/**
 * Pathological response shapes (issue 11): markup that is cheap to send and, before issue 11's
 * fixes, cost time or memory out of all proportion to its size. Each shape is a function of the
 * size wanted, so a test can show that the cost per megabyte stays within a small factor of a
 * normal page's at any size (a quadratic cost grows with the size; a linear one does not).
 * Used by test/pathological.test.ts. All ASCII: bytes and
 * UTF-16 code units are the same count.
 */

/** A host nothing allows: an element pointing at it is a violation. */
export const EVIL = 'https://evil.example/x'
const IFRAME = `<iframe src="${EVIL}"></iframe>`

/** The policy every shape is judged against: same-origin, inline script and style allowed. */
export const PATHOLOGICAL_POLICY = {
  action: 'block',
  directives: {
    'default-src': ["'self'"],
    'script-src': ["'self'", "'unsafe-inline'"],
    'style-src': ["'self'", "'unsafe-inline'"],
  },
} as const

/** What the verdict on a shape must say (for the inspector with default limits). */
export type Expect = 'clean' | 'violation' | 'limit'

export interface Shape {
  readonly name: string
  /** What it is, for tables. */
  readonly title: string
  /** The document, about `bytes` long. */
  make(bytes: number): string
  /** The verdict with the default limits: a shape that hides what follows it fails its test. */
  readonly expect: Expect
  /** Limits the shape runs with, when not the defaults (a shape meant to stay under a limit). */
  limits?(bytes: number): { maxTokenBytes?: number }
}

/** `unit(i)` repeated until `bytes` is reached, between `head` and `tail`. */
function repeat(bytes: number, head: string, unit: (i: number) => string, tail = ''): string {
  const parts = [head]
  let length = head.length + tail.length
  for (let i = 0; length < bytes; i++) {
    const u = unit(i)
    parts.push(u)
    length += u.length
  }
  parts.push(tail)
  return parts.join('')
}

/** A page like real ones: nesting a few levels deep, links, images, text, an inline script and style. */
const NORMAL_BLOCK = (i: number) =>
  `<div class="post" id="p${i}"><h2><a href="/post/${i}">Post number ${i}</a></h2>` +
  `<p>Some text about the post, with <b>bold</b> and <i>italic</i> words, and a <a href="/t/${i % 50}">tag</a>.</p>` +
  `<img src="/img/${i}.png" alt="picture ${i}" width="100" height="80">` +
  `<ul><li>first item</li><li>second item</li><li>third <span>item</span></li></ul>` +
  (i % 20 === 0 ? `<script>window.count = (window.count || 0) + ${i};</script>` : '') +
  (i % 50 === 0 ? `<style>.p${i} { color: #${(i % 4096).toString(16)}; }</style>` : '') +
  `</div>\n`

export const NORMAL: Shape = {
  name: 'normal',
  title: 'a normal page (posts: links, images, lists, some inline script)',
  make: (bytes) => repeat(bytes, '<!doctype html><html><head><title>t</title></head><body>', NORMAL_BLOCK),
  expect: 'clean',
}

/** A minified JSON value, no whitespace: `{"k0":[0,"v0",true],"k1":…}`. */
const jsonUnit = (i: number) => `${i === 0 ? '' : ','}"k${i}":[${i},"v${i}",true,null,{"n":${i * 7}}]`

export const SHAPES: readonly Shape[] = [
  {
    name: 'text-run',
    title: '`<body>`, one run of `x` without whitespace, an iframe',
    make: (bytes) => `<body>${'x'.repeat(Math.max(0, bytes - 6 - IFRAME.length))}${IFRAME}`,
    expect: 'violation',
  },
  {
    name: 'json-block',
    title: 'a minified JSON data block (`<script type="application/json">`), an iframe',
    make: (bytes) =>
      repeat(bytes, '<body><script type="application/json">{', jsonUnit, `}</script>${IFRAME}`),
    expect: 'violation',
  },
  {
    name: 'inline-script',
    title: 'one minified inline script under `maxTokenBytes` (raised to fit), an iframe',
    make: (bytes) => repeat(bytes, '<body><script>', (i) => `a${i}=${i};`, `</script>${IFRAME}`),
    limits: (bytes) => ({ maxTokenBytes: 2 * bytes }),
    expect: 'violation',
  },
  {
    name: 'body-tags',
    title: '`<body aN>` repeated: each adds an attribute to the one body',
    make: (bytes) => repeat(bytes, '', (i) => `<body a${i}>`, IFRAME),
    expect: 'violation',
  },
  {
    name: 'html-tags',
    title: '`<html aN>` repeated: each adds an attribute to the one html element',
    make: (bytes) => repeat(bytes, '', (i) => `<html a${i}>`, IFRAME),
    expect: 'violation',
  },
  {
    name: 'two-body-tags',
    title: 'two `<body>` tags with half the document in attributes each',
    make: (bytes) => {
      const half = (prefix: string) => repeat(bytes / 2, '<body', (i) => ` ${prefix}${i}`, '>')
      return `${half('a')}${half('b')}${IFRAME}`
    },
    expect: 'violation',
  },
  {
    name: 'huge-tag',
    title: 'one start tag whose attribute never ends (past `maxTokenBytes`)',
    make: (bytes) => `<body><div data-x="${'x'.repeat(Math.max(0, bytes - 19))}`,
    expect: 'limit',
  },
  {
    name: 'huge-comment',
    title: 'one comment that never ends (past `maxTokenBytes`)',
    make: (bytes) => `<body><!--${'x'.repeat(Math.max(0, bytes - 10))}`,
    expect: 'limit',
  },
  {
    name: 'huge-script',
    title: 'one inline script that never ends (past `maxTokenBytes`)',
    make: (bytes) => repeat(bytes, '<body><script>', (i) => `a${i}=${i};`),
    expect: 'limit',
  },
  {
    name: 'nested-divs',
    title: '`<div>` nested without end (past `maxNestingDepth`)',
    make: (bytes) => repeat(bytes, '<body>', () => '<div>', IFRAME),
    expect: 'limit',
  },
  {
    name: 'nested-tables',
    title: '`<table><tr><td>` nested without end (past `maxNestingDepth`)',
    make: (bytes) => repeat(bytes, '<body>', () => '<table><tr><td>', IFRAME),
    expect: 'limit',
  },
  {
    name: 'unclosed-b',
    title: '`<b>` without end (past `maxNestingDepth`)',
    make: (bytes) => repeat(bytes, '<body>', () => '<b>', IFRAME),
    expect: 'limit',
  },
  {
    name: 'unclosed-formatting',
    title: '`<b id=N>` without end: distinct formatting elements (past `maxNestingDepth`)',
    make: (bytes) => repeat(bytes, '<body>', (i) => `<b id=${i}>`, IFRAME),
    expect: 'limit',
  },
  {
    name: 'formatting-in-cells',
    title: '`<b id=N>` with text, each in a new table cell: formatting elements reopened per cell',
    make: (bytes) => repeat(bytes, '<body><table><tr>', (i) => `<td><b id=${i}>x`, `</table>${IFRAME}`),
    expect: 'violation',
  },
  {
    name: 'deep-then-flat',
    title: '`<div>` nested just under `maxNestingDepth`, then `<p>x</p>` repeated (scope checks per tag)',
    make: (bytes) => repeat(bytes, `<body>${'<div>'.repeat(DEEP_BUT_ALLOWED)}`, () => '<p>x</p>', IFRAME),
    expect: 'violation',
  },
]

/** Just under the default `maxNestingDepth` (html, body and the divs are the open elements). */
export const DEEP_BUT_ALLOWED = 500
