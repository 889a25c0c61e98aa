import t, { type Test } from 'tap'
import { chunkings, prng, seeds } from './helpers/chunks.js'
import { scannedElements, specElements } from './helpers/differential.js'
import { hardDocument } from './helpers/hard-markup.js'
import { treeConstructionInputs } from './helpers/html5lib.js'
import { STANDARD_CHANGES, standardChangeOf } from './helpers/standard-changes.js'

const IFRAME = '<iframe src="http://evil.example/x">'

/** Per class of Standard change (helpers/standard-changes.ts): documents set aside, and how many differ. */
const setAside = new Map(STANDARD_CHANGES.map((c) => [c.name, { documents: 0, differ: 0 }]))

/**
 * The live elements the scanner reports are exactly parse5's spec DOM, at every chunking, outside the
 * classes where the Standard changed after parse5 8.1.1 (those are held to Chromium instead). The one
 * allowed difference: elements the tree builder inserted and later removed with their body when a
 * `<frameset>` replaced it (HTML §13.2.6.4.7, "frameset" start tag) are still reported — they were
 * live when inserted (a script among them has run) — and they must all hang under a detached body.
 */
function check(t: Test, html: string, label: string): void {
  const expected = specElements(html)
  const change = standardChangeOf(html)
  if (change !== null) {
    const tally = setAside.get(change.name)!
    tally.documents++
    const got = scannedElements([html]).inDocument
    if (got.length !== expected.length || got.some((k, i) => k !== expected[i])) tally.differ++
    t.pass(`${label}: ${change.name}, held to Chromium`)
    return
  }
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
  check(t, '<div><svg></div><![CDATA[><iframe src=//x>]]>', 'svg CDATA breakout')
  // A declarative shadow root's contents are live (HTML §13.2.6.4.4), unlike a template's.
  const shadow = scannedElements([
    '<div><template shadowrootmode=open><script src=//x></script></template></div>',
  ])
  t.ok(
    shadow.inDocument.some((k) => k.includes(' script ')),
    'the script in a declarative shadow root is live',
  )
  check(t, '<div><template shadowrootmode=open><b></b></template></div>', 'a shadow root, set aside')
  // Since the relaxed <select> (2025) an iframe in a select is raw text as in body: no script is built.
  const got = scannedElements(['<select><iframe><script src=//x></script>'])
  t.notOk(
    got.inDocument.some((k) => k.includes(' script ')),
    'the script inside <select><iframe> is text, as in Chromium',
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

t.test('generated documents', async (t) => {
  for (const seed of seeds(1)) {
    const random = prng(seed)
    for (let doc = 0; doc < 400; doc++) {
      const html = hardDocument(random)
      check(t, html, `generated #${doc} (TW_SEED=${seed}): ${JSON.stringify(html)}`)
    }
  }
})

t.test('every class of Standard change set aside above is one where parse5 differs', async (t) => {
  for (const [name, { documents, differ }] of setAside) {
    t.ok(differ > 0, `${name}: ${differ} of ${documents} documents differ from parse5`)
  }
})
