import t, { type Test } from 'tap'
import { chunkings } from './helpers/chunks.js'
import { scannedElements, specElements } from './helpers/differential.js'
import { treeConstructionInputs } from './helpers/html5lib.js'

const IFRAME = '<iframe src="http://evil.example/x">'

/**
 * The live elements the scanner reports are exactly the spec DOM's, at every chunking. The one
 * allowed difference: elements the tree builder inserted and later removed with their body when a
 * `<frameset>` replaced it (HTML §13.2.6.4.7, "frameset" start tag) are still reported — they were
 * live when inserted (a script among them has run) — and they must all hang under a detached body.
 */
function check(t: Test, html: string, label: string): void {
  const expected = specElements(html)
  for (const [name, chunks] of chunkings(html, 1)) {
    const got = scannedElements(chunks)
    const strays = got.removed.filter(
      (r) => !(r.top?.tagName === 'body' && r.top.namespaceURI.endsWith('xhtml')),
    )
    if (
      got.inDocument.length !== expected.length ||
      got.inDocument.some((k, i) => k !== expected[i]) ||
      strays.length
    ) {
      t.same(
        { elements: got.inDocument, strays: strays.map((s) => s.key) },
        { elements: expected, strays: [] },
        `${label} (${name})`,
      )
      return
    }
  }
  t.pass(label)
}

t.test('html5lib tree-construction inputs, as given and with an iframe appended and prepended', async (t) => {
  const cases = treeConstructionInputs()
  t.ok(cases.length > 1500, `found ${cases.length} non-fragment inputs`)
  for (const c of cases) {
    const label = `${c.file}#${c.index}`
    check(t, c.data, label)
    check(t, c.data + IFRAME, `${label} + iframe`)
    check(t, IFRAME + c.data, `iframe + ${label}`)
  }
})

t.test('the markup that hides live elements from parse5-sax-parser (DESIGN.md)', async (t) => {
  check(t, '<select><iframe><script src=//x></script>', 'select + iframe + script')
  check(t, '<div><svg></div><![CDATA[><iframe src=//x>]]>', 'svg CDATA breakout')
  const got = scannedElements(['<select><iframe><script src=//x></script>'])
  t.ok(
    got.inDocument.some((k) => k.includes(' script ')),
    'the script inside <select><iframe> is live',
  )
})

t.test('template contents are inert; a body removed by <frameset> is still reported', async (t) => {
  const inert = scannedElements(['<template><iframe src=//x></iframe></template>'])
  t.notOk([...inert.inDocument, ...inert.removed.map((r) => r.key)].some((k) => k.includes('iframe')))
  const frameset = scannedElements(['<div><script src=//x></script></div><frameset>'])
  t.ok(
    frameset.removed.some((r) => r.key.includes(' script ')),
    'script reported though its body was removed',
  )
})

// A small grammar of the markup the tree builder treats specially: tables (foster parenting),
// formatting elements (adoption agency), select, template, foreign content and its breakouts, raw
// text, frameset, a second html/body, comments and CDATA.
const PIECES = [
  '<table>',
  '</table>',
  '<tr>',
  '<td>',
  '</td>',
  '<caption>',
  '<colgroup>',
  '<tbody>',
  '<a href=//a>',
  '</a>',
  '<b>',
  '</b>',
  '<i onclick=x>',
  '</i>',
  '<nobr>',
  '<font color=red>',
  '</font>',
  '<p>',
  '</p>',
  '<div>',
  '</div>',
  '<li>',
  '<dd>',
  '<button>',
  '<form action=//f>',
  '</form>',
  '<select>',
  '</select>',
  '<option>',
  '<optgroup>',
  '<input>',
  '<keygen>',
  '<textarea>',
  '</textarea>',
  '<template>',
  '</template>',
  '<svg>',
  '</svg>',
  '<math>',
  '</math>',
  '<foreignObject>',
  '</foreignObject>',
  '<mi>',
  '<annotation-xml encoding="text/html">',
  '<desc>',
  '<title>',
  '</title>',
  '<script>x</script>',
  '<script src=//s></script>',
  '<style>p{}</style>',
  '<noscript>',
  '</noscript>',
  '<iframe src=//i>',
  '</iframe>',
  '<img src=//m>',
  '<object data=//o>',
  '</object>',
  '<embed src=//e>',
  '<frameset>',
  '<frame src=//fr>',
  '<body onload=x>',
  '<html lang=en>',
  '<head>',
  '</head>',
  '<base href=//b/>',
  '<meta http-equiv=refresh content="0;url=//r">',
  '<link rel=stylesheet href=//l>',
  '<!-- c -->',
  '<![CDATA[',
  ']]>',
  '<plaintext>',
  '<xmp>',
  '</xmp>',
  '<h1>',
  '</h1>',
  '<marquee>',
  '<applet>',
  '<hr>',
  '<br>',
  '</br>',
  '</p>',
  'text',
  ' ',
  '\n',
  '<',
  '&amp;',
  '&',
  '<!DOCTYPE html>',
  '<image src=//x>',
  '<ruby><rt>',
  '<rb>',
  '<isindex>',
  '<listing>',
  '<pre>',
  '\0',
  '</body>',
  '</html>',
  '<table><tr><td>',
]

t.test('generated documents', async (t) => {
  const { prng, seeds } = await import('./helpers/chunks.js')
  for (const seed of seeds(1)) {
    const random = prng(seed)
    for (let doc = 0; doc < 400; doc++) {
      const length = 5 + Math.floor(random() * 60)
      let html = ''
      for (let i = 0; i < length; i++) html += PIECES[Math.floor(random() * PIECES.length)]
      check(t, html, `generated #${doc} (TW_SEED=${seed}): ${JSON.stringify(html)}`)
    }
  }
})
