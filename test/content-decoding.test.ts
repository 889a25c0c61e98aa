import zlib from 'node:zlib'
import t from 'tap'
import { chunkings } from './helpers/chunks.js'
import {
  ContentDecoder,
  createContentDecoder,
  INFLATION_RATIO_FLOOR,
  parseContentEncoding,
  type ContentDecoderOptions,
} from '../src/inspect/content-decoding.js'
import { AbortedError, ContentDecodingError, LimitError, UnsupportedEncodingError } from '../src/errors.js'

const SEED_COUNT = 8

async function decodeAll(header: string, chunks: Buffer[], options?: ContentDecoderOptions): Promise<Buffer> {
  const d = createContentDecoder(header, options)
  if (d === null) throw new Error('identity')
  const out: Buffer[] = []
  for (const c of chunks) out.push(...(await d.write(c)))
  out.push(...(await d.end()))
  return Buffer.concat(out)
}

// A page-like body: compressible but not trivially so.
const body = Buffer.from(
  Array.from(
    { length: 400 },
    (_, i) => `<p id="p${i}">línea ${i} — ${'abcdefghij'.repeat(i % 7)}</p>\n`,
  ).join(''),
)

t.test('parseContentEncoding', async (t) => {
  t.same(parseContentEncoding(undefined), [])
  t.same(parseContentEncoding(''), [])
  t.same(parseContentEncoding('identity'), [])
  t.same(parseContentEncoding('GZIP'), ['gzip'])
  t.same(parseContentEncoding(' x-gzip '), ['gzip'])
  t.same(parseContentEncoding('Deflate'), ['deflate'])
  t.same(parseContentEncoding('gzip, br'), ['br', 'gzip'], 'applied gzip then br: br is undone first')
  t.same(parseContentEncoding('deflate,identity, gzip'), ['gzip', 'deflate'])
  t.throws(() => parseContentEncoding('compress'), UnsupportedEncodingError)
  t.throws(() => parseContentEncoding('gzip, zstd'), UnsupportedEncodingError)
  t.equal(createContentDecoder('identity'), null, 'identity is a bypass')
  t.equal(createContentDecoder(undefined), null)
})

const encoders: Record<string, (b: Buffer) => Buffer> = {
  gzip: (b) => zlib.gzipSync(b),
  'x-gzip': (b) => zlib.gzipSync(b),
  deflate: (b) => zlib.deflateSync(b), // zlib-wrapped, as RFC 9110 means it
  br: (b) => zlib.brotliCompressSync(b),
}

for (const [header, encode] of Object.entries({
  ...encoders,
  'deflate (raw)': (b: Buffer) => zlib.deflateRawSync(b),
  'GZIP, br': (b: Buffer) => zlib.brotliCompressSync(zlib.gzipSync(b)),
  'br, deflate, gzip': (b: Buffer) => zlib.gzipSync(zlib.deflateRawSync(zlib.brotliCompressSync(b))),
})) {
  t.test(`${header}: same bytes at every chunking`, async (t) => {
    const encoded = encode(body)
    const name = header.replace(' (raw)', '')
    for (const [how, chunks] of chunkings(encoded, SEED_COUNT, 3000)) {
      const got = await decodeAll(name, chunks)
      if (!got.equals(body)) return t.fail(`${how}: decoded bytes differ`)
    }
    t.pass(`whole, byte by byte and ${SEED_COUNT} seeded chunkings`)
  })
}

t.test('raw deflate whose first bytes look like nothing special', async (t) => {
  // Raw deflate of a stored block starts 0x01: never a valid zlib header.
  const raw = zlib.deflateRawSync(Buffer.from('hello'), { level: 0 })
  t.equal(raw[0], 0x01)
  t.equal((await decodeAll('deflate', [raw])).toString(), 'hello')
})

/** Compresses `a`, flushes, compresses `b`: the bytes up to the flush and the rest. */
async function compressInTwo(kind: string, a: Buffer, b: Buffer): Promise<[Buffer, Buffer]> {
  const s =
    kind === 'br'
      ? zlib.createBrotliCompress()
      : kind === 'gzip'
        ? zlib.createGzip()
        : kind === 'deflate'
          ? zlib.createDeflate()
          : zlib.createDeflateRaw()
  let got: Buffer[] = []
  s.on('data', (c: Buffer) => got.push(c))
  s.write(a)
  await new Promise<void>((r) =>
    s.flush(kind === 'br' ? zlib.constants.BROTLI_OPERATION_FLUSH : zlib.constants.Z_SYNC_FLUSH, () => r()),
  )
  await new Promise((r) => setImmediate(r))
  const first = Buffer.concat(got)
  got = []
  await new Promise<void>((r) => s.end(b, () => r()))
  await new Promise((r) => s.once('end', r).resume())
  return [first, Buffer.concat(got)]
}

for (const kind of ['gzip', 'deflate', 'deflate-raw', 'br']) {
  t.test(`${kind}: every write returns all output decodable so far`, async (t) => {
    const a = Buffer.from('<html><body><p>first part, flushed by the server</p>')
    const b = Buffer.from('<iframe src="https://evil.example/x"></iframe></body></html>')
    const [first, rest] = await compressInTwo(kind, a, b)
    const d = createContentDecoder(kind === 'deflate-raw' ? 'deflate' : kind) as ContentDecoder
    const early = Buffer.concat(await d.write(first))
    t.equal(early.toString(), a.toString(), 'the first part comes out before the rest arrives')
    const late = Buffer.concat([...(await d.write(rest)), ...(await d.end())])
    t.equal(late.toString(), b.toString())
  })
}

t.test('output chunks are zlib buffers, not copies', async (t) => {
  const big = Buffer.alloc(300 * 1024, 'a')
  const d = createContentDecoder('gzip') as ContentDecoder
  const out = await d.write(zlib.gzipSync(big))
  t.ok(out.length > 1, 'several chunks')
  t.ok(
    out.every((c) => c.length <= 64 * 1024),
    'each at most one output buffer',
  )
  await d.end()
})

t.test('truncated and corrupt bodies', async (t) => {
  for (const [header, encode] of Object.entries(encoders)) {
    const encoded = encode(body)
    const d = createContentDecoder(header) as ContentDecoder
    const cut = encoded.subarray(0, Math.floor(encoded.length / 2))
    const partial = Buffer.concat(await d.write(cut))
    t.ok(
      partial.length > 0 && body.subarray(0, partial.length).equals(partial),
      `${header}: the prefix is returned`,
    )
    await t.rejects(d.end(), ContentDecodingError, `${header}: truncated is an error at end()`)
    const corrupt = Buffer.from(encoded)
    corrupt.fill(0xff, 10, 40)
    const c = createContentDecoder(header) as ContentDecoder
    await t.rejects(
      (async () => {
        await c.write(corrupt)
        await c.end()
      })(),
      ContentDecodingError,
      `${header}: corrupt`,
    )
    await t.rejects(c.write(Buffer.from('x')), ContentDecodingError, `${header}: stays failed`)
  }
  const gz = zlib.gzipSync(body)
  await t.rejects(
    decodeAll('gzip', [gz.subarray(0, gz.length - 4)]),
    ContentDecodingError,
    'missing gzip trailer',
  )
  t.same(await decodeAll('gzip', []), Buffer.alloc(0), 'an empty body is empty, not an error')
  await t.rejects(decodeAll('deflate', [Buffer.from([0x78])]), ContentDecodingError, 'one byte of deflate')
})

/** 1 GiB of zeros as gzip, ~1 MiB: 16 gzip members of 64 MiB each (a gzip body may have several). */
const member = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
const gzipBomb = Buffer.concat(Array.from({ length: 16 }, () => member))

async function runBomb(options: ContentDecoderOptions, chunk: number) {
  const d = createContentDecoder('gzip', options) as ContentDecoder
  const started = process.hrtime.bigint()
  let peakRss = process.memoryUsage().rss
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 5)
  let returned = 0
  let error: unknown
  try {
    for (let i = 0; i < gzipBomb.length; i += chunk) {
      for (const b of await d.write(gzipBomb.subarray(i, i + chunk))) returned += b.length
    }
    await d.end()
  } catch (err) {
    error = err
  }
  clearInterval(sampler)
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
  const ms = Number(process.hrtime.bigint() - started) / 1e6
  return { d, error, returned, ms, peakRss }
}

t.test('bomb: 1 GiB of zeros stops at maxInflationRatio', async (t) => {
  t.ok(gzipBomb.length < 2 * 1024 * 1024, `the bomb is ${gzipBomb.length} bytes`)
  const before = process.memoryUsage().rss
  const r = await runBomb({}, 16 * 1024)
  t.ok(r.error instanceof LimitError, 'a LimitError')
  t.equal((r.error as LimitError).limit, 'maxInflationRatio')
  t.ok(r.d.decodedBytes < INFLATION_RATIO_FLOOR + 100 * 32 * 1024, `stopped after ${r.d.decodedBytes} bytes`)
  t.ok(r.peakRss - before < 200 * 1024 * 1024, `RSS grew ${((r.peakRss - before) / 2 ** 20).toFixed(1)} MiB`)
  t.ok(r.ms < 10_000, `in ${r.ms.toFixed(0)} ms`)
  t.comment(
    `ratio bomb: ${r.d.decodedBytes} bytes out, ${r.ms.toFixed(0)} ms, peak RSS +${((r.peakRss - before) / 2 ** 20).toFixed(1)} MiB`,
  )
  await waitReleased(r.d)
  t.ok(r.d.released, 'zlib handles closed')
})

t.test('bomb: maxDecodedBytes when the ratio would allow it', async (t) => {
  const before = process.memoryUsage().rss
  const limit = 32 * 1024 * 1024
  const r = await runBomb({ maxDecodedBytes: limit, maxInflationRatio: 1e9 }, 64 * 1024)
  t.ok(r.error instanceof LimitError, 'a LimitError')
  t.equal((r.error as LimitError).limit, 'maxDecodedBytes')
  t.ok(r.d.decodedBytes <= limit + 64 * 1024, `stopped within one output chunk: ${r.d.decodedBytes} bytes`)
  t.ok(r.peakRss - before < 300 * 1024 * 1024, `RSS grew ${((r.peakRss - before) / 2 ** 20).toFixed(1)} MiB`)
  t.ok(r.ms < 20_000, `in ${r.ms.toFixed(0)} ms`)
  t.comment(
    `size bomb: ${r.d.decodedBytes} bytes out, ${r.ms.toFixed(0)} ms, peak RSS +${((r.peakRss - before) / 2 ** 20).toFixed(1)} MiB`,
  )
  await waitReleased(r.d)
  t.ok(r.d.released, 'zlib handles closed')
})

t.test('bomb in a middle stage of stacked codings', async (t) => {
  // br(gzip(zeros)): the brotli stage outputs the small gzip bomb; the gzip stage trips the limit.
  const stacked = zlib.brotliCompressSync(member)
  const d = createContentDecoder('gzip, br') as ContentDecoder
  await t.rejects(d.write(stacked), LimitError)
})

t.test('a small page far above the ratio is fine under the floor', async (t) => {
  const spaces = Buffer.alloc(512 * 1024, ' ')
  const out = await decodeAll('gzip', [zlib.gzipSync(spaces)])
  t.equal(out.length, spaces.length)
})

async function waitReleased(d: ContentDecoder): Promise<void> {
  for (let i = 0; i < 200 && !d.released; i++) await new Promise((r) => setTimeout(r, 5))
}

t.test('destroy mid-way', async (t) => {
  const d = createContentDecoder('br, gzip', {
    maxInflationRatio: 1e9,
    maxDecodedBytes: 2 ** 40,
  }) as ContentDecoder
  const pending = d.write(zlib.gzipSync(zlib.brotliCompressSync(Buffer.alloc(4 * 1024 * 1024))))
  d.destroy()
  d.destroy() // safe twice
  await t.rejects(pending, AbortedError, 'the pending write rejects')
  await t.rejects(d.write(Buffer.from('x')), AbortedError, 'later writes reject')
  await t.rejects(d.end(), AbortedError)
  await waitReleased(d)
  t.ok(d.released, 'every zlib/brotli handle is closed')
})

t.test('a clean end releases the handles', async (t) => {
  const d = createContentDecoder('gzip') as ContentDecoder
  await d.write(zlib.gzipSync(body))
  await d.end()
  await waitReleased(d)
  t.ok(d.released)
  await t.rejects(d.write(Buffer.from('x')), AbortedError, 'no writes after end')
})
