/**
 * One endless, realistic HTML document, generated on the fly from a seed: nested divs, headings, text
 * (some of it non-ASCII), links, images, srcsets, inline scripts and styles, `style=` and `onclick=`
 * attributes, forms and tables. Nothing is stored: memory stays flat however long it runs.
 *
 * Everything a policy judges comes from small fixed sets (URLs vary only in the query, which CSP never
 * compares), so a policy learned from the first megabyte allows the whole document: `block` stays clean.
 */

// The tests' seeded generator (mulberry32): the same seed gives the same document.
import { prng } from '../test/helpers/chunks.js'

const WORDS = (
  'the of and to in is that for it as was with be by on not he this are or his from at which but have ' +
  'an they you were her she there been one all we their has would when if so no will can more about ' +
  'café naïve résumé Zürich Ελλάδα 日本語 données — “quoted” 1,024 &amp; &lt;tag&gt; &copy;'
).split(' ')
const INLINE_SCRIPTS = [
  'window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments)}',
  'document.documentElement.className = document.documentElement.className.replace("no-js", "js")',
  'if (a < b && b > c) { console.log("<not a tag>") }',
]
const INLINE_STYLES = ['.card{margin:0 auto;max-width:40em}', 'body{font:16px/1.5 system-ui}a{color:#06c}']
const STYLE_ATTRS = ['color:#333', 'display:none', 'margin-top:1em']
const HANDLERS = ['track(this)', 'return confirm("Sure?")']
const IMAGES = ['https://img.example.com/photos/a.jpg', 'https://img.example.com/photos/b.webp', '/logo.png']
const SCRIPTS = ['/js/app.js', 'https://cdn.example.com/lib/widget.min.js']

type Random = () => number

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

function text(random: Random, words: number): string {
  let out = pick(random, WORDS)
  for (let i = 1; i < words; i++) out += ` ${pick(random, WORDS)}`
  return out
}

function paragraph(random: Random): string {
  const id = Math.floor(random() * 1e6)
  const style = random() < 0.1 ? ` style="${pick(random, STYLE_ATTRS)}"` : ''
  return (
    `<p${style}>${text(random, 12)} <a href="/article?id=${id}">${text(random, 3)}</a> ` +
    `<em>${text(random, 4)}</em>, ${text(random, 10)}.</p>\n`
  )
}

function media(random: Random): string {
  const id = Math.floor(random() * 1e6)
  const r = random()
  if (r < 0.6) return `<img src="${pick(random, IMAGES)}?v=${id}" alt="${text(random, 3)}" loading="lazy">\n`
  if (r < 0.8) {
    const src = pick(random, IMAGES)
    return `<picture><source srcset="${src}?w=800 800w, ${src}?w=400 400w"><img src="${src}"></picture>\n`
  }
  const handler = random() < 0.5 ? ` onclick="${pick(random, HANDLERS)}"` : ''
  return `<button type="button" class="btn"${handler}>${text(random, 2)}</button>\n`
}

function block(random: Random): string {
  const r = random()
  if (r < 0.05) return `<script>${pick(random, INLINE_SCRIPTS)}</script>\n`
  if (r < 0.08) return `<style>${pick(random, INLINE_STYLES)}</style>\n`
  if (r < 0.1) return `<script src="${pick(random, SCRIPTS)}" defer></script>\n`
  if (r < 0.13) return '<form action="/search" method="get"><input name="q"><input type="submit"></form>\n'
  if (r < 0.16) {
    let rows = ''
    for (let i = 0; i < 4; i++) rows += `<tr><td>${text(random, 2)}</td><td>${i * 7}</td></tr>`
    return `<table class="data"><tbody>${rows}</tbody></table>\n`
  }
  if (r < 0.35) return media(random)
  if (r < 0.45) return `<h2 id="h${Math.floor(random() * 1e6)}">${text(random, 5)}</h2>\n`
  if (r < 0.55) return `<ul>${`<li><a href="/tag/${Math.floor(random() * 1e4)}">x</a></li>`.repeat(3)}</ul>\n`
  return paragraph(random)
}

/** A subtree of nested divs, 1–5 deep, closed again: the document's depth stays bounded. */
function section(random: Random, depth = 0): string {
  let out = `<div class="d${depth}">\n`
  const children = 2 + Math.floor(random() * 4)
  for (let i = 0; i < children; i++) {
    out += depth < 4 && random() < 0.3 ? section(random, depth + 1) : block(random)
  }
  return `${out}</div>\n`
}

const HEAD =
  '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Generated</title>\n' +
  `<link rel="stylesheet" href="/css/site.css"><style>${INLINE_STYLES[0]}</style>\n` +
  `<script src="${SCRIPTS[0]}"></script><script>${INLINE_SCRIPTS[0]}</script></head>\n<body>\n`
const TAIL = '</body></html>\n'

/**
 * Sections are generated up front (~1 MB, the same for every document size) and then picked at
 * random: generating text as we go would cost more than inspecting it, and the inspector is what is
 * measured.
 */
const POOL_SECTIONS = 1024

/**
 * A complete document of about `totalBytes` (whole sections only, so never more; at least head and
 * tail), in fresh chunks of `chunkSize` bytes (the last one shorter): fresh because an inspector in
 * `block` holds written chunks by reference.
 */
export function* generateHtml(totalBytes: number, chunkSize: number, seed = 42): Generator<Buffer> {
  const random = prng(seed)
  const pool = Array.from({ length: POOL_SECTIONS }, () => Buffer.from(section(random)))
  const head = Buffer.from(HEAD)
  const tail = Buffer.from(TAIL)
  function* pieces(): Generator<Buffer> {
    yield head
    let size = head.length
    for (;;) {
      const next = pool[Math.floor(random() * pool.length)]!
      if (size + next.length + tail.length > totalBytes) break
      yield next
      size += next.length
    }
    yield tail
  }
  let chunk = Buffer.allocUnsafe(chunkSize)
  let filled = 0
  for (let piece of pieces()) {
    while (piece.length > 0) {
      const n = piece.copy(chunk, filled)
      filled += n
      piece = piece.subarray(n)
      if (filled === chunkSize) {
        yield chunk
        chunk = Buffer.allocUnsafe(chunkSize)
        filled = 0
      }
    }
  }
  if (filled > 0) yield chunk.subarray(0, filled)
}
