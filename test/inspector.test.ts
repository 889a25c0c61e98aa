import { createHash } from 'node:crypto'
import { brotliCompressSync, gzipSync } from 'node:zlib'
import t from 'tap'
import { createInspector, parsePolicy } from '../src/index.js'
import { chunkings } from './helpers/chunks.js'
import { runInspector } from './helpers/run.js'

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`
const INLINE = 'window.ok = 1'
const policy = parsePolicy({
  action: 'block',
  directives: {
    'default-src': ["'self'"],
    'script-src': ["'self'", 'https://cdn.example/js/', sha256(INLINE)],
    'frame-src': ['https://www.youtube.com/embed/'],
    'img-src': ["'self'", 'data:'],
  },
})
const url = 'https://shop.example/products/1'
const headers = { 'content-type': 'text/html; charset=utf-8' }

const CLEAN = `<!doctype html><html><head><title>Shop</title>
<script src="/static/app.js"></script><script src="https://cdn.example/js/lib.js"></script>
<script>${INLINE}</script><link rel=stylesheet href="/s.css"></head>
<body><h1>Product — ünïcödé</h1><img src="/p.png" srcset="/p2.png 2x">
<iframe src="https://www.youtube.com/embed/xyz"></iframe><!-- a comment --><p>${'text '.repeat(500)}</p>
</body></html>`

const INJECTED = '<iframe src="http://evil.example/x" width=0 height=0 style="display:none"></iframe>'
const injectAt = CLEAN.indexOf('<h1>')
const DIRTY = CLEAN.slice(0, injectAt) + INJECTED + CLEAN.slice(injectAt)

t.test('block: a clean page comes out byte-identical at every chunking', async (t) => {
  for (const [name, chunks] of chunkings(Buffer.from(CLEAN))) {
    const run = await runInspector(chunks, { policy, url, headers })
    t.equal(run.error, undefined, `${name}: no error`)
    t.ok(run.output.equals(Buffer.from(CLEAN)), `${name}: identical bytes`)
    t.equal(run.verdict.status, 'clean', `${name}: verdict clean`)
    t.equal(run.verdict.bytes, Buffer.byteLength(CLEAN))
  }
})

t.test('block: an injected iframe is blocked before any byte of it goes out', async (t) => {
  const iframeOffset = Buffer.from(DIRTY).indexOf('<iframe src="http://evil')
  for (const [name, chunks] of chunkings(Buffer.from(DIRTY))) {
    const run = await runInspector(chunks, { policy, url, headers })
    t.equal(run.error?.code, 'TW_ERR_BLOCKED', `${name}: output ends with TW_ERR_BLOCKED`)
    t.ok(
      run.output.length <= iframeOffset,
      `${name}: ${run.output.length} bytes out, iframe at ${iframeOffset}`,
    )
    t.ok(
      Buffer.from(DIRTY).subarray(0, run.output.length).equals(run.output),
      `${name}: output is the input's own prefix`,
    )
    t.equal(run.verdict.status, 'violation')
    t.match(run.violations, [
      {
        directive: 'frame-src',
        element: 'iframe',
        attribute: 'src',
        url: 'http://evil.example/x',
        line: 4,
        column: 80,
      },
      {
        directive: 'style-src-attr',
        element: 'iframe',
        attribute: 'style',
        value: 'display:none',
        url: null,
      },
    ])
  }
})

t.test('block: an inline script is judged only once it closes', async (t) => {
  const page = `<p>hello</p><script>var a = 1;${'/* pad */'.repeat(200)}steal()</script><p>after</p>`
  const scriptOffset = page.indexOf('<script>')
  for (const [name, chunks] of chunkings(Buffer.from(page))) {
    const run = await runInspector(chunks, { policy, url, headers })
    t.equal(run.error?.code, 'TW_ERR_BLOCKED', name)
    t.ok(run.output.length <= scriptOffset, `${name}: nothing of the script went out`)
  }
  const allowed = `<p>hello</p><script>${INLINE}</script><p>after</p>`
  const run = await runInspector([Buffer.from(allowed)], { policy, url, headers })
  t.equal(run.verdict.status, 'clean', 'a script whose hash is allowed is clean')
})

t.test('report: bytes flow unchanged and violations are counted', async (t) => {
  for (const [name, chunks] of chunkings(Buffer.from(DIRTY))) {
    const run = await runInspector(chunks, { policy, url, headers, action: 'report' })
    t.equal(run.error, undefined, name)
    t.ok(run.output.equals(Buffer.from(DIRTY)), `${name}: identical bytes`)
    t.equal(run.verdict.status, 'violation')
    t.equal(run.violations.length, 2, 'the iframe src and its style attribute')
  }
})

t.test('compressed bodies: the compressed bytes pass unchanged, the decoded page is judged', async (t) => {
  for (const [coding, compress] of [
    ['gzip', gzipSync],
    ['br', brotliCompressSync],
  ] as const) {
    const clean = compress(Buffer.from(CLEAN))
    const dirty = compress(Buffer.from(DIRTY))
    const h = { ...headers, 'content-encoding': coding }
    for (const [name, chunks] of chunkings(clean)) {
      const run = await runInspector(chunks, { policy, url, headers: h })
      t.ok(run.output.equals(clean), `${coding} clean, ${name}: identical compressed bytes`)
      t.equal(run.verdict.status, 'clean')
    }
    const run = await runInspector([dirty], { policy, url, headers: h })
    t.equal(run.error?.code, 'TW_ERR_BLOCKED', `${coding} dirty: blocked`)
    t.equal(run.output.length, 0, `${coding} dirty: nothing out`)
  }
})

t.test('not HTML: passed through untouched and skipped', async (t) => {
  const run = await runInspector([Buffer.from(DIRTY)], {
    policy,
    url,
    headers: { 'content-type': 'text/plain' },
  })
  t.ok(run.output.equals(Buffer.from(DIRTY)))
  t.equal(run.verdict.status, 'skipped')
  t.equal(run.verdict.reason, 'not-html')
})

t.test('a srcdoc document is judged by the same policy', async (t) => {
  const page = `<iframe srcdoc="<script src=&quot;https://evil.example/s.js&quot;></script>"></iframe>`
  const run = await runInspector([Buffer.from(page)], { policy, url, headers, action: 'report' })
  t.match(run.violations, [
    { directive: 'script-src-elem', element: 'script', url: 'https://evil.example/s.js' },
  ])
})

t.test('limits', async (t) => {
  const comment = `<p>ok</p><!--${'x'.repeat(64 * 1024)}`
  const limits = { maxHeldBytes: 16 * 1024 }
  const blocked = await runInspector([Buffer.from(comment)], { policy, url, headers, limits })
  t.equal(blocked.error?.code, 'TW_ERR_LIMIT', 'a token past maxTokenBytes or the hold limit ends the output')
  t.equal(blocked.verdict.status, 'error')

  const heldChunks = chunkings(Buffer.from(comment))[2]![1]
  const held = await runInspector(heldChunks, { policy, url, headers, limits })
  t.equal(held.error?.code, 'TW_ERR_LIMIT')
  t.equal(held.verdict.limit, 'maxHeldBytes', 'held bytes are bounded in block')

  const passed = await runInspector(heldChunks, { policy, url, headers, limits, onLimit: 'pass' })
  t.equal(passed.error, undefined)
  t.ok(passed.output.equals(Buffer.from(comment)), 'onLimit pass: everything goes through')
  t.equal(passed.verdict.status, 'skipped')
  t.equal(passed.verdict.limit, 'maxHeldBytes')

  const token = await runInspector(heldChunks, { policy, url, headers, limits: { maxTokenBytes: 1000 } })
  t.equal(token.verdict.limit, 'maxTokenBytes', 'a giant comment hits maxTokenBytes')
})

t.test('an unknown content-encoding cannot be vouched for', async (t) => {
  const h = { ...headers, 'content-encoding': 'zstd' }
  const blocked = await runInspector([Buffer.from(CLEAN)], { policy, url, headers: h })
  t.equal(blocked.error?.code, 'TW_ERR_UNSUPPORTED_ENCODING')
  t.equal(blocked.output.length, 0)
  const reported = await runInspector([Buffer.from(CLEAN)], { policy, url, headers: h, action: 'report' })
  t.ok(reported.output.equals(Buffer.from(CLEAN)))
  t.equal(reported.verdict.status, 'skipped')
  t.equal(reported.verdict.reason, 'decoding')
})

t.test('a decompression bomb hits maxInflationRatio without inflating it all', async (t) => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, ' '))
  const h = { ...headers, 'content-encoding': 'gzip' }
  const before = process.memoryUsage().rss
  const blocked = await runInspector([bomb], { policy, url, headers: h })
  t.equal(blocked.error?.code, 'TW_ERR_LIMIT')
  t.equal(blocked.verdict.limit, 'maxInflationRatio')
  t.equal(blocked.output.length, 0, 'nothing went out in block')
  t.ok(process.memoryUsage().rss - before < 32 * 1024 * 1024, 'the 64 MiB it inflates to was never held')
  const passed = await runInspector([bomb], { policy, url, headers: h, onLimit: 'pass' })
  t.ok(passed.output.equals(bomb), 'onLimit pass: the compressed bytes go through as they are')
  t.equal(passed.verdict.status, 'skipped')
})

t.test('block: the gate opens inside a large chunk, at a point where the parser is settled', async (t) => {
  // One 64 KiB write that ends inside a start tag: held whole if the gate looked only at write ends.
  const page = `<!doctype html><body>${'<p>text</p>'.repeat(6000)}<img src="/p.png" alt="unfini`
  const inspector = createInspector({ policy, url, headers })
  const out: Buffer[] = []
  inspector.on('data', (c: Buffer) => out.push(c))
  await new Promise<void>((resolve) => inspector.write(Buffer.from(page), () => resolve()))
  const released = Buffer.concat(out)
  t.ok(released.length > 0, `${released.length} bytes released before the body ended`)
  t.ok(released.length < page.length, 'the unfinished tag is held')
  t.ok(released.equals(Buffer.from(page).subarray(0, released.length)), "the input's own prefix")
  inspector.destroy()
})

t.test('block, onLimit pass: a limit mid-body lets everything through in order', async (t) => {
  const body = gzipSync(`<!doctype html><p>${'word '.repeat(400_000)}</p>`)
  const h = { ...headers, 'content-encoding': 'gzip' }
  const chunks = Array.from({ length: Math.ceil(body.length / 100) }, (_, i) =>
    body.subarray(i * 100, i * 100 + 100),
  )
  const run = await runInspector(chunks, {
    policy,
    url,
    headers: h,
    onLimit: 'pass',
    limits: { maxDecodedBytes: 64 * 1024 },
  })
  t.equal(run.error, undefined)
  t.equal(run.verdict.limit, 'maxDecodedBytes')
  t.ok(run.output.equals(body), 'the compressed bytes come out as they went in')
})
