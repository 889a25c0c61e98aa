import t from 'tap'
import { HtmlScanner } from '../src/html/scanner.js'
import { chunkings, fixedChunks } from './helpers/chunks.js'

/**
 * A finding's line and column are where its start tag ends, whatever the sizes of the writes. parse5
 * drops already-parsed input at token boundaries once it holds more than `bufferWaterline` code
 * units, and the scanner sets that from each write's length: the drops fall at different tokens for
 * every chunking, and each one resets parse5's record of CRLF and surrogate-pair gaps. The document
 * is longer than the largest waterline (64 Ki), so even a whole write drops.
 */
function document(): { html: string; expected: string[] } {
  const breaks = ['\r\n', '\n', '\r', '\r\n']
  const before = ['\u{1F600}x\u{1F600} ', 'é ', '\t']
  let html = '<!doctype html><body>\r\n'
  const expected: string[] = []
  for (let i = 0; i < 3000; i++) {
    const line = `${before[i % 3]}<img src="/i${i}.png" alt="\u{1F600}">`
    // Lines count CR, LF and CRLF alike; columns count UTF-16 code units, 1-based, up to the `>`.
    expected.push(`${i + 2}:${line.length}`)
    html += line + breaks[i % 4]
  }
  return { html, expected }
}

function positions(chunks: readonly string[]): string[] {
  const found: string[] = []
  const scanner = new HtmlScanner({
    documentUrl: new URL('http://localhost/'),
    onFinding: (f) => found.push(`${f.line}:${f.column}`),
    onTokenLimit: () => {},
    maxTokenBytes: Infinity,
  })
  for (const chunk of chunks) scanner.write(chunk)
  scanner.end()
  return found
}

t.test('positions do not depend on where parse5 drops parsed input', async (t) => {
  const { html, expected } = document()
  t.ok(html.length > 64 * 1024, 'longer than the largest waterline')
  const cuts: [string, string[]][] = [
    ...chunkings(html, 2, 5000),
    ...[13, 4096, 16384].map((size): [string, string[]] => [`${size} units`, fixedChunks(html, size)]),
  ]
  for (const [name, chunks] of cuts) t.same(positions(chunks), expected, name)
})
