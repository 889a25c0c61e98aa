import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { ReadableStream } from 'node:stream/web'
import t from 'tap'
import { createInspector, InspectorStream, parsePolicy, type Violation } from '../src/index.js'

const policy = parsePolicy({ action: 'block', directives: { 'default-src': ["'self'"] } })
const url = 'https://shop.example/'
const headers = { 'content-type': 'text/html; charset=utf-8' }
const CLEAN = `<!doctype html><p>${'hello '.repeat(2000)}</p><img src="/a.png">`
const DIRTY = `<!doctype html><p>${'hello '.repeat(2000)}</p><script src="https://evil.example/s.js"></script>`

function webBody(text: string, chunk = 1000): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  let at = 0
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close()
      controller.enqueue(bytes.slice(at, (at += chunk)))
    },
  })
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
): Promise<{ text: string; error?: { code?: string } }> {
  const decoder = new TextDecoder()
  let text = ''
  try {
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true })
  } catch (error) {
    return { text, error: error as { code?: string } }
  }
  return { text }
}

t.test('WHATWG TransformStream face: clean passes byte-identical', async (t) => {
  const inspector = new InspectorStream({ policy, url, headers })
  const out = await readAll(webBody(CLEAN).pipeThrough(inspector))
  t.equal(out.error, undefined)
  t.equal(out.text, CLEAN)
  t.equal((await inspector.verdict).status, 'clean')
})

t.test('WHATWG TransformStream face: a violation errors the readable side before the element', async (t) => {
  const seen: Violation[] = []
  const inspector = new InspectorStream({ policy, url, headers, onViolation: (v) => seen.push(v) })
  const out = await readAll(webBody(DIRTY).pipeThrough(inspector))
  t.equal(out.error?.code, 'TW_ERR_BLOCKED')
  t.notOk(out.text.includes('<script'), 'no byte of the script went out')
  t.ok(DIRTY.startsWith(out.text), 'what went out is a prefix of the input')
  const verdict = await inspector.verdict
  t.equal(verdict.status, 'violation')
  t.match(seen, [{ directive: 'script-src-elem', url: 'https://evil.example/s.js' }])
})

t.test('Node face: an input cut mid-body gives an aborted verdict and releases everything', async (t) => {
  const inspector = createInspector({ policy, url, headers })
  const source = new Readable({ read() {} })
  source.push(Buffer.from('<!doctype html><p>partial <a href="/x'))
  setImmediate(() => source.destroy(new Error('upstream reset')))
  await t.rejects(
    pipeline(source, inspector, async function* (chunks) {
      for await (const _ of chunks) yield _
    }),
  )
  const verdict = await inspector.verdict
  t.equal(verdict.status, 'error')
  t.equal(verdict.reason, 'aborted')
  t.equal(verdict.error?.code, 'TW_ERR_ABORTED')
  t.equal(inspector.listenerCount('data'), 0, 'no listener left behind')
})

t.test('Node face: destroying the inspector twice is safe', async (t) => {
  const inspector = createInspector({ policy, url, headers })
  inspector.on('error', () => {})
  inspector.write(Buffer.from('<p>x'))
  inspector.destroy()
  inspector.destroy(new Error('again'))
  t.equal((await inspector.verdict).status, 'error')
})

t.test('options are validated at construction with coded errors', async (t) => {
  t.throws(() => createInspector({ policy, url: 'not a url' }), { code: 'TW_ERR_INVALID_OPTION' })
  t.throws(() => createInspector({ policy, action: 'drop' as 'block' }), { code: 'TW_ERR_INVALID_OPTION' })
  t.throws(() => createInspector({ policy, limits: { maxHeldBytes: -1 } }), { code: 'TW_ERR_INVALID_OPTION' })
  t.throws(() => createInspector({ policy, defaultEncoding: 'klingon' }), { code: 'TW_ERR_INVALID_OPTION' })
  t.throws(() => createInspector({} as never), { code: 'TW_ERR_INVALID_OPTION' })
})
