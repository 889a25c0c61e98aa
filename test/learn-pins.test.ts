/**
 * The pinning workflow: `tagwarden learn --pin` writes the pins of the external scripts and
 * stylesheets the pages reference (fetched from a real CDN on 127.0.0.1, or read from a directory
 * offline); `tagwarden probe` with that policy is clean until the CDN's script changes.
 */
import { createHash } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync } from 'node:zlib'
import t, { type Test } from 'tap'
import { tagwarden } from './helpers/cli.js'
import { serve } from './helpers/embed.js'

const LIB = 'window.lib = () => 42\n'
const CSS = 'body { color: #333 }\n'
const sha384 = (text: string) => `sha384-${createHash('sha384').update(text).digest('base64')}`

/** A CDN: lib.js brotli-compressed (the pin is of the decoded bytes), site.css plain, a 404. */
async function cdn(t: Test) {
  const files: Record<string, string> = { '/lib.js': LIB, '/site.css': CSS }
  const port = await serve(t, (req, res) => {
    const body = files[req.url ?? '']
    if (body === undefined) return void res.writeHead(404).end()
    if (req.url === '/lib.js') {
      res.writeHead(200, { 'content-type': 'text/javascript', 'content-encoding': 'br' })
      return void res.end(brotliCompressSync(body))
    }
    res.writeHead(200, { 'content-type': 'text/css' })
    res.end(body)
  })
  return { origin: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, files }
}

const pageFor = (cdnOrigin: string, extra = '') =>
  `<!doctype html><link rel="stylesheet" href="${cdnOrigin}/site.css"><script src="/app.js"></script>` +
  `<script src="${cdnOrigin}/lib.js"></script><script src="${cdnOrigin}/lib.js#again"></script>${extra}`

t.test('learn --pin fetches and pins external scripts and stylesheets; probe holds them', async (t) => {
  const lib = await cdn(t)
  const page = pageFor(lib.origin)
  const site = await serve(t, (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(page)
  })
  const siteUrl = `http://127.0.0.1:${site}/`
  const dir = t.testdir({ 'page.html': page })
  const learned = await tagwarden(['learn', '--pin', '--url', siteUrl, join(dir, 'page.html')])
  t.equal(learned.status, 0, learned.stderr)
  const policy = JSON.parse(learned.stdout) as { pins: Record<string, string> }
  t.same(
    policy.pins,
    { [`${lib.origin}/lib.js`]: sha384(LIB), [`${lib.origin}/site.css`]: sha384(CSS) },
    'the external ones, by URL without the fragment; not the site own /app.js',
  )
  const file = join(dir, 'policy.json')
  writeFileSync(file, learned.stdout)
  const clean = await tagwarden(['probe', '--policy', file, siteUrl])
  t.equal(clean.status, 0, `the probe with the learned policy: clean (${clean.stdout}${clean.stderr})`)
  lib.files['/lib.js'] = `${LIB}steal()\n`
  const changed = await tagwarden(['probe', '--policy', file, siteUrl])
  t.equal(changed.status, 1, 'the CDN changed the script: a violation')
  t.match(
    changed.stdout,
    new RegExp(`pin: <script src="${lib.origin}/lib.js">.*expected ${sha384(LIB).replace(/[+/]/g, '\\$&')}`),
  )
})

t.test('learn --pin-dir reads the resources offline; what it cannot read is named, exit 2', async (t) => {
  const origin = 'https://cdn.example'
  const page = pageFor(origin, `<script src="${origin}/missing.js"></script>`)
  const dir = t.testdir({
    'page.html': page,
    mirror: { 'cdn.example': { 'lib.js': LIB, 'site.css': CSS } },
  })
  const learned = await tagwarden([
    'learn',
    '--pin-dir',
    join(dir, 'mirror'),
    '--url',
    'https://shop.example/',
    join(dir, 'page.html'),
  ])
  t.equal(learned.status, 2, 'a resource could not be read')
  t.match(
    learned.stderr,
    new RegExp(`${origin}/missing\\.js: not pinned: no file .*cdn\\.example/missing\\.js`),
  )
  t.same((JSON.parse(learned.stdout) as { pins: unknown }).pins, {
    [`${origin}/lib.js`]: sha384(LIB),
    [`${origin}/site.css`]: sha384(CSS),
  })
  // A URL whose path climbs out of the mirror reads nothing outside it.
  const climbing = pageFor(origin).replace('/lib.js"', '/..%2f..%2fpage.html"')
  writeFileSync(join(dir, 'climbing.html'), climbing)
  const outside = await tagwarden(['learn', '--pin-dir', join(dir, 'mirror'), join(dir, 'climbing.html')])
  t.equal(outside.status, 2)
  t.match(outside.stderr, /outside/)
})

t.test('without --pin, learn writes no pins', async (t) => {
  const dir = t.testdir({ 'page.html': pageFor('https://cdn.example') })
  const learned = await tagwarden(['learn', join(dir, 'page.html')])
  t.equal(learned.status, 0)
  t.notOk('pins' in (JSON.parse(learned.stdout) as object))
})
