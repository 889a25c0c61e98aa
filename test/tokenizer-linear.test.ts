import t from 'tap'
import { Tokenizer } from '../src/html/parser/tokenizer.js'
import type { TokenSink } from '../src/html/parser/tokens.js'

/**
 * A token or text run spread over many writes costs linear time: the CPU time per MB of pathological
 * shapes, each written in 4 KiB pieces, stays within a generous factor of a normal page's. Measured in
 * this test against itself, never against absolute timings.
 */
const PIECE = 4096
const FACTOR = 5
t.setTimeout(300_000)

const sink: TokenSink = {
  startTag: () => {},
  endTag: () => {},
  characters: () => {},
  comment: () => {},
  doctype: () => {},
  endOfFile: () => {},
}

/** CPU microseconds per MB to tokenize `head`, then `body` `times` times, then `tail`, in 4 KiB writes. */
function cost(head: string, body: string, times: number, tail: string): number {
  const text = head + body.repeat(times) + tail
  let best = Infinity
  for (let run = 0; run < 3; run++) {
    const tokenizer = new Tokenizer(sink)
    const start = process.cpuUsage()
    for (let at = 0; at < text.length; at += PIECE) tokenizer.write(text.slice(at, at + PIECE))
    tokenizer.end()
    const used = process.cpuUsage(start)
    best = Math.min(best, (used.user + used.system) / (text.length / 1e6))
  }
  return best
}

t.test('pathological shapes cost about what a normal page costs per MB', async (t) => {
  const page =
    '<div class="card" id="c1"><a href="/x?a=1&amp;b=2" title="A &quot;link&quot;">Some text, &copy; 2024</a>' +
    '<img src="/i.png" alt="" loading=lazy><!-- note --><script>if (a < b) f("</p>")</script></div>\n'
  const normal = cost('<!doctype html><body>', page, Math.ceil(8e6 / page.length), '')
  const shapes: [string, number][] = [
    ['an 8 MiB text run without whitespace', cost('<p>', 'abcdefghij', 838_861, '</p>')],
    ['a 20 MB attribute value', cost('<a href="', 'abcdefghij', 2_000_000, '">')],
    ['a 20 MB comment', cost('<!--', 'abcdefghi-', 2_000_000, '-->')],
    ['a 20 MB tag name', cost('<a', 'bcdefghijk', 2_000_000, '>')],
    ['a 20 MB unquoted value, references in it', cost('<a href=', 'abcdefghijklmnopqrs&amp;', 833_334, '>')],
    ['an 8 MB script with `<` everywhere', cost('<script>', 'if(a<b)c</', 838_861, '</script>')],
    ['an 8 MB numeric reference', cost('&#', '0000000000', 838_861, ';')],
  ]
  for (const [name, perMB] of shapes) {
    t.ok(
      perMB < normal * FACTOR,
      `${name}: ${(perMB / 1000).toFixed(1)} ms/MB vs ${(normal / 1000).toFixed(1)} ms/MB for a page`,
    )
  }
})
