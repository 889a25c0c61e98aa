/**
 * Tokenizers alone, side by side: tagwarden's, parse5's and htmlparser2's, over the 258 pages of
 * htmlparser-benchmark in 16 KiB string chunks, each with a sink that does nothing but switch to the
 * text states after `script`, `style`, `title`… as a tree builder would (htmlparser2 does that itself).
 * Contenders run round-robin in one process; the best pass of each is printed, in MB/s of UTF-8 input.
 * The script bundles itself (bench/bundle.ts) and runs the bundle: under tsx every imported binding is
 * read through a getter, which costs tagwarden's tokenizer (many small modules) about half its speed.
 *
 *   npx tsx bench/tokenizer-only.ts [rounds=5]
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Tokenizer as Htmlparser2Tokenizer } from 'htmlparser2'
import { Tokenizer as Parse5Tokenizer, TokenizerMode } from 'parse5'
import { Tokenizer } from '../src/html/parser/tokenizer.js'
import { TextState, type TagToken } from '../src/html/parser/tokens.js'

if (process.env.TW_TOKENIZER_BENCH_BUNDLED !== '1') {
  const { bundle } = await import('./bundle.js')
  const env = { ...process.env, TW_TOKENIZER_BENCH_BUNDLED: '1' }
  const child = spawnSync(process.execPath, [bundle('bench/tokenizer-only.ts'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env,
  })
  process.exit(child.status ?? 1)
}

const CORPUS = join(
  dirname(createRequire(import.meta.url).resolve('htmlparser-benchmark/package.json')),
  'files',
)
const CHUNK = 16 * 1024
const rounds = Number(process.argv[2] ?? 5)

const files = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.html'))
  .sort()
  .map((f) => readFileSync(join(CORPUS, f)))
const megabytes = files.reduce((sum, bytes) => sum + bytes.length, 0) / 1e6
const pages = files.map((bytes) => {
  const text = bytes.toString('utf8')
  const chunks: string[] = []
  for (let at = 0; at < text.length; at += CHUNK) chunks.push(text.slice(at, at + CHUNK))
  return chunks
})

const TEXT_STATES = new Map<string, TextState>([
  ['title', TextState.RCDATA],
  ['textarea', TextState.RCDATA],
  ['style', TextState.RAWTEXT],
  ['xmp', TextState.RAWTEXT],
  ['iframe', TextState.RAWTEXT],
  ['noembed', TextState.RAWTEXT],
  ['noframes', TextState.RAWTEXT],
  ['noscript', TextState.RAWTEXT],
  ['script', TextState.ScriptData],
  ['plaintext', TextState.PLAINTEXT],
])
const PARSE5_MODES = [
  TokenizerMode.DATA,
  TokenizerMode.RCDATA,
  TokenizerMode.RAWTEXT,
  TokenizerMode.SCRIPT_DATA,
  TokenizerMode.PLAINTEXT,
]
const noop = (): void => {}

function tagwarden(chunks: readonly string[]): void {
  const sink = {
    startTag(token: TagToken) {
      const state = TEXT_STATES.get(token.name)
      if (state !== undefined) tokenizer.switchTo(state)
    },
    endTag: noop,
    characters: noop,
    comment: noop,
    doctype: noop,
    endOfFile: noop,
  }
  const tokenizer = new Tokenizer(sink)
  for (const chunk of chunks) tokenizer.write(chunk)
  tokenizer.end()
}

function parse5(chunks: readonly string[]): void {
  const tokenizer: Parse5Tokenizer = new Parse5Tokenizer(
    { sourceCodeLocationInfo: false },
    {
      onStartTag(token) {
        const state = TEXT_STATES.get(token.tagName)
        if (state !== undefined) tokenizer.state = PARSE5_MODES[state]!
      },
      onEndTag: noop,
      onCharacter: noop,
      onNullCharacter: noop,
      onWhitespaceCharacter: noop,
      onComment: noop,
      onDoctype: noop,
      onEof: noop,
    },
  )
  chunks.forEach((chunk, index) => tokenizer.write(chunk, index === chunks.length - 1))
}

function htmlparser2(chunks: readonly string[]): void {
  const tokenizer = new Htmlparser2Tokenizer(
    {},
    {
      onattribdata: noop,
      onattribentity: noop,
      onattribend: noop,
      onattribname: noop,
      oncdata: noop,
      onclosetag: noop,
      oncomment: noop,
      ondeclaration: noop,
      onend: noop,
      onopentagend: noop,
      onopentagname: noop,
      onprocessinginstruction: noop,
      onselfclosingtag: noop,
      ontext: noop,
      ontextentity: noop,
    },
  )
  for (const chunk of chunks) tokenizer.write(chunk)
  tokenizer.end()
}

const contenders: [string, (chunks: readonly string[]) => void][] = [
  ['tagwarden', tagwarden],
  ['parse5', parse5],
  ['htmlparser2', htmlparser2],
]
const best = new Map<string, number>()
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of contenders) {
    const start = process.hrtime.bigint()
    for (const chunks of pages) run(chunks)
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    best.set(name, Math.max(best.get(name) ?? 0, megabytes / seconds))
  }
}
const ours = best.get('tagwarden')!
console.log(
  `${pages.length} pages, ${megabytes.toFixed(1)} MB, ${CHUNK / 1024} KiB chunks, best of ${rounds}`,
)
for (const [name, speed] of best) {
  console.log(
    `${name.padEnd(12)} ${speed.toFixed(1).padStart(7)} MB/s   tagwarden ÷ this: ${(ours / speed).toFixed(2)}`,
  )
}
