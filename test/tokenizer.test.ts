import t from 'tap'
import { Tokenizer } from '../src/html/parser/tokenizer.js'
import { TextState, type TagToken, type TokenSink } from '../src/html/parser/tokens.js'
import { chunkings, fixedChunks, prng, randomChunks, seeds } from './helpers/chunks.js'
import { treeConstructionInputs } from './helpers/html5lib.js'
import { generatedDocument } from './helpers/markup-gen.js'
import { ourTokens, parse5Tokens } from './helpers/token-streams.js'

/**
 * The token stream of every input equals parse5's (adjacent characters merged), and is the same
 * however the input is cut into writes. `TW_SEED=<n>` replays one seed of the random chunkings and of
 * the generated documents.
 */

t.test('html5lib tree-construction inputs: the tokens parse5 emits, at every chunking', async (t) => {
  let compared = 0
  for (const { file, index, data } of treeConstructionInputs()) {
    const expected = parse5Tokens(data)
    for (const [name, chunks] of chunkings(data, 2, 16)) {
      const actual = ourTokens(chunks)
      compared++
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        t.same(actual, expected, `${file} #${index}, ${name}: ${JSON.stringify(data)}`)
      }
    }
  }
  t.ok(compared > 6000, `${compared} token streams compared`)
})

t.test('generated markup through every state: the tokens parse5 emits, at every chunking', async (t) => {
  const documents = process.env.TW_SEED ? 4000 : 2500
  let compared = 0
  for (const seed of seeds(2)) {
    for (let index = 0; index < documents; index++) {
      const html = generatedDocument(seed, index)
      const expected = parse5Tokens(html)
      const cuts: [string, string[]][] = [
        ['whole', [html]],
        ['one unit at a time', fixedChunks(html, 1)],
        ['random chunks', randomChunks(html, prng(seed + index), 8)],
      ]
      for (const [name, chunks] of cuts) {
        const actual = ourTokens(chunks)
        compared++
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          t.same(actual, expected, `TW_SEED=${seed} document ${index}, ${name}: ${JSON.stringify(html)}`)
        }
      }
    }
  }
  t.ok(compared >= 15000, `${compared} token streams compared`)
})

t.test('writes may end anywhere', async (t) => {
  const cases: [string, string[], unknown[]][] = [
    [
      'CR at the end of one write, LF at the start of the next: one newline',
      ['a\r', '\nb\r', 'c\r', '\r\n'],
      [['T', 'a\nb\nc\n\n'], ['EOF']],
    ],
    [
      'a CR LF inside an attribute value',
      ['<a b="1\r', '\n2">'],
      [['S', 'a', [['b', '1\n2']], false], ['EOF']],
    ],
    [
      'a surrogate pair split in text and in a value',
      ['x\uD83D', '\uDE00<a b="\uD83D', '\uDE00">'],
      [['T', 'x\u{1F600}'], ['S', 'a', [['b', '\u{1F600}']], false], ['EOF']],
    ],
    ['a named reference split', ['&no', 'tin; &amp', ';'], [['T', '\u2209 &'], ['EOF']]],
    [
      'a legacy reference decided by the next write',
      ['<a href="?x=1&no', 't=2">&no', 'tx'],
      [['S', 'a', [['href', '?x=1&not=2']], false], ['T', '\u00ACx'], ['EOF']],
    ],
    [
      'a numeric reference split after every unit',
      ['&', '#', 'x', '1', 'F', '6', '0', '0', ';'],
      [['T', '\u{1F600}'], ['EOF']],
    ],
    [
      'an end tag candidate split',
      ['<title>a</TIT', 'LE', '>b'],
      [['S', 'title', [], false], ['T', 'a'], ['E', 'title', [], false], ['T', 'b'], ['EOF']],
    ],
    [']]> split', ['<svg><![CDATA[a]', ']', '>b'], [['S', 'svg', [], false], ['T', 'ab'], ['EOF']]],
    [
      'a DOCTYPE keyword split',
      ['<!DOCTYPE html PU', 'BLIC "x">'],
      [['D', 'html', 'x', null, false], ['EOF']],
    ],
  ]
  for (const [name, chunks, expected] of cases) t.same(ourTokens(chunks), expected, name)
})

/** A sink that keeps what the tokenizer's state says after every token. */
function probe(onToken: (kind: string, tokenizer: Tokenizer) => void): {
  tokenizer: Tokenizer
  sink: TokenSink
} {
  const sink: TokenSink = {
    startTag(token: TagToken) {
      if (token.name === 'script') tokenizer.switchTo(TextState.ScriptData)
      onToken(`<${token.name}>`, tokenizer)
    },
    endTag: (token) => onToken(`</${token.name}>`, tokenizer),
    characters: (text) => onToken(text, tokenizer),
    comment: (text) => onToken(`<!--${text}-->`, tokenizer),
    doctype: () => onToken('<!DOCTYPE>', tokenizer),
    endOfFile: () => onToken('EOF', tokenizer),
  }
  const tokenizer = new Tokenizer(sink)
  return { tokenizer, sink }
}

t.test('atTokenBoundary and tokenLength between writes', async (t) => {
  const { tokenizer } = probe(() => {})
  const steps: [string, boolean, number][] = [
    ['text', true, 0],
    ['<a hr', false, 5],
    ['ef="x', false, 10],
    ['">', true, 0],
    ['&am', false, 3],
    ['p;<!-', false, 3],
    ['- c -', false, 8],
    ['->', true, 0],
    ['<!DOCTYPE html', false, 14],
    ['>', true, 0],
    ['<script>a<', false, 1],
    ['/scr', false, 5],
    ['x <!--', true, 0],
    [' x -', true, 0],
    ['</script', false, 8],
    ['>', true, 0],
    ['&#x41414141', false, 11],
    ['; <', false, 1],
  ]
  for (const [chunk, boundary, length] of steps) {
    tokenizer.write(chunk)
    t.equal(tokenizer.atTokenBoundary, boundary, `atTokenBoundary after ${JSON.stringify(chunk)}`)
    t.equal(tokenizer.tokenLength, length, `tokenLength after ${JSON.stringify(chunk)}`)
  }
})

t.test('tokenLength grows with a tag spread over many writes', async (t) => {
  const { tokenizer } = probe(() => {})
  tokenizer.write('<img src="')
  for (let i = 0; i < 100; i++) tokenizer.write('x'.repeat(1000))
  t.equal(tokenizer.tokenLength, 10 + 100_000)
  tokenizer.write('">')
  t.equal(tokenizer.tokenLength, 0)
})

t.test('position(): line and column just after each token, however the input is cut', async (t) => {
  // Lines count CR, LF and CR LF alike; columns count UTF-16 code units, 1-based, up to the `>`.
  const breaks = ['\r\n', '\n', '\r', '\r\n']
  const before = ['\u{1F600}x\u{1F600} ', 'é ', '\t']
  let html = '<!doctype html><body>\r\n'
  const expected: string[] = []
  for (let i = 0; i < 2000; i++) {
    const line = `${before[i % 3]}<img src="/i${i}.png" alt="\u{1F600}">`
    expected.push(`${i + 2}:${line.length}`)
    html += line + breaks[i % 4]
  }
  const cuts = [
    ...chunkings(html, 2, 5000),
    ...[13, 4096].map((size): [string, string[]] => [`${size} units`, fixedChunks(html, size)]),
  ]
  for (const [name, chunks] of cuts) {
    const found: string[] = []
    const { tokenizer } = probe((kind, tokenizer) => {
      if (kind === '<img>') {
        const { line, column } = tokenizer.position()
        found.push(`${line}:${column}`)
      }
    })
    for (const chunk of chunks) tokenizer.write(chunk)
    tokenizer.end()
    t.same(found, expected, name)
  }
})

t.test('position() of the last token, asked after the write that emitted it', async (t) => {
  const { tokenizer } = probe(() => {})
  tokenizer.write('a\r\nb\r')
  tokenizer.write('\n<p>\n\n\n')
  // The point after a text run that ends in a newline is at the start of the next line: column 0.
  t.same(tokenizer.position(), { line: 6, column: 0 }, 'after the text run that ends the write')
  tokenizer.write('  <br>')
  t.same(tokenizer.position(), { line: 6, column: 6 })
  tokenizer.write('\n'.repeat(5) + 'x')
  tokenizer.write('<i')
  t.same(
    tokenizer.position(),
    { line: 11, column: 1 },
    'a half-read tag is not a token: the text before it is',
  )
})

t.test('tags without attributes share one frozen array; tokens are reused', async (t) => {
  const seen: TagToken[] = []
  const attrs: unknown[] = []
  const sink: TokenSink = {
    startTag: (token) => {
      seen.push(token)
      attrs.push(token.attrs)
    },
    endTag: () => {},
    characters: () => {},
    comment: () => {},
    doctype: () => {},
    endOfFile: () => {},
  }
  const tokenizer = new Tokenizer(sink)
  tokenizer.write('<a><b><c x=1 X=2 y><d z>')
  tokenizer.end()
  t.equal(seen[0], seen[1], 'one start tag object')
  t.equal(attrs[0], attrs[1], 'one empty attrs array')
  t.ok(Object.isFrozen(attrs[0]), 'frozen')
  t.not(attrs[2], attrs[3], 'a fresh array per tag with attributes')
  t.same(attrs[2], [
    { name: 'x', value: '1' },
    { name: 'y', value: '' },
  ])
})

t.test('CDATA sections only where the tree builder allows them', async (t) => {
  const tokens = (allowCdata: boolean) => {
    const out: string[] = []
    const tokenizer = new Tokenizer({
      startTag: () => {},
      endTag: () => {},
      characters: (text) => out.push(`T:${text}`),
      comment: (text) => out.push(`C:${text}`),
      doctype: () => {},
      endOfFile: () => {},
    })
    tokenizer.allowCdata = allowCdata
    tokenizer.write('<![CDATA[a\0<b>]]>')
    tokenizer.end()
    return out
  }
  t.same(tokens(true), ['T:a\0<b>'])
  t.same(tokens(false), ['C:[CDATA[a\uFFFD<b', 'T:]]>'])
})
