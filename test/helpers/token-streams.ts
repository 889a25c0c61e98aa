/**
 * Token streams of tagwarden's tokenizer and of parse5's (the reference: tokenization did not change in
 * the Standard since parse5 8.1.1), recorded in one comparable shape. Both are driven as a tree builder
 * would: text states after the elements that have them, CDATA allowed inside `<svg>`/`<math>` (and no
 * text states there, as in foreign content).
 */
import { Tokenizer as Parse5Tokenizer, TokenizerMode } from 'parse5'
import { Tokenizer } from '../../src/html/parser/tokenizer.js'
import { TextState, type TagToken, type TokenSink } from '../../src/html/parser/tokens.js'

/** One token: `['S'|'E', name, attrs, selfClosing]`, `['T', text]`, `['#', data]`, `['D', …]`, `['EOF']`. */
export type RecordedToken = (string | boolean | null | string[][])[]

const TEXT_STATES: Record<string, TextState> = {
  title: TextState.RCDATA,
  textarea: TextState.RCDATA,
  style: TextState.RAWTEXT,
  xmp: TextState.RAWTEXT,
  iframe: TextState.RAWTEXT,
  noembed: TextState.RAWTEXT,
  noframes: TextState.RAWTEXT,
  noscript: TextState.RAWTEXT,
  script: TextState.ScriptData,
  plaintext: TextState.PLAINTEXT,
}

const PARSE5_MODES: Record<TextState, number> = {
  [TextState.Data]: TokenizerMode.DATA,
  [TextState.RCDATA]: TokenizerMode.RCDATA,
  [TextState.RAWTEXT]: TokenizerMode.RAWTEXT,
  [TextState.ScriptData]: TokenizerMode.SCRIPT_DATA,
  [TextState.PLAINTEXT]: TokenizerMode.PLAINTEXT,
}

/** The stand-in tree builder's decisions, shared by both tokenizers. */
class Driver {
  private foreignDepth = 0
  /** After a start tag: the text state to switch to, if any. */
  startTag(name: string, selfClosing: boolean): TextState | undefined {
    if (name === 'svg' || name === 'math') {
      if (!selfClosing) this.foreignDepth++
      return undefined
    }
    return this.foreignDepth > 0 ? undefined : TEXT_STATES[name]
  }
  endTag(name: string): void {
    if ((name === 'svg' || name === 'math') && this.foreignDepth > 0) this.foreignDepth--
  }
  get inForeign(): boolean {
    return this.foreignDepth > 0
  }
}

function pushText(out: RecordedToken[], text: string): void {
  const last = out[out.length - 1]
  if (last !== undefined && last[0] === 'T') last[1] = (last[1] as string) + text
  else out.push(['T', text])
}

function tag(
  kind: string,
  token: { attrs: { name: string; value: string }[]; selfClosing: boolean },
  name: string,
) {
  return [kind, name, token.attrs.map((a) => [a.name, a.value]), token.selfClosing]
}

/** A sink that records; `control` is the tokenizer it drives. */
export class RecordingSink implements TokenSink {
  readonly tokens: RecordedToken[] = []
  private readonly driver = new Driver()
  control: Tokenizer | null = null
  startTag(token: TagToken): void {
    this.tokens.push(tag('S', token, token.name))
    const state = this.driver.startTag(token.name, token.selfClosing)
    if (state !== undefined) this.control!.switchTo(state)
    this.control!.allowCdata = this.driver.inForeign
  }
  endTag(token: TagToken): void {
    this.tokens.push(tag('E', token, token.name))
    this.driver.endTag(token.name)
    this.control!.allowCdata = this.driver.inForeign
  }
  characters(text: string): void {
    if (text.length === 0) this.tokens.push(['empty characters token'])
    pushText(this.tokens, text)
  }
  comment(text: string): void {
    this.tokens.push(['#', text])
  }
  doctype(token: {
    name: string | null
    publicId: string | null
    systemId: string | null
    forceQuirks: boolean
  }) {
    this.tokens.push(['D', token.name, token.publicId, token.systemId, token.forceQuirks])
  }
  endOfFile(): void {
    this.tokens.push(['EOF'])
  }
}

/** tagwarden's tokens for `chunks` written one after the other. */
export function ourTokens(chunks: readonly string[]): RecordedToken[] {
  const sink = new RecordingSink()
  const tokenizer = new Tokenizer(sink)
  sink.control = tokenizer
  for (const chunk of chunks) tokenizer.write(chunk)
  tokenizer.end()
  return sink.tokens
}

/** parse5's tokens for `html`, written whole. */
export function parse5Tokens(html: string): RecordedToken[] {
  const out: RecordedToken[] = []
  const driver = new Driver()
  const characters = (token: { chars: string }) => pushText(out, token.chars)
  const tokenizer: Parse5Tokenizer = new Parse5Tokenizer(
    { sourceCodeLocationInfo: false },
    {
      onStartTag(token) {
        out.push(tag('S', token, token.tagName))
        const state = driver.startTag(token.tagName, token.selfClosing)
        if (state !== undefined) tokenizer.state = PARSE5_MODES[state]
        tokenizer.inForeignNode = driver.inForeign
      },
      onEndTag(token) {
        out.push(tag('E', token, token.tagName))
        driver.endTag(token.tagName)
        tokenizer.inForeignNode = driver.inForeign
      },
      onCharacter: characters,
      onNullCharacter: characters,
      onWhitespaceCharacter: characters,
      onComment: (token) => out.push(['#', token.data]),
      onDoctype: (token) => out.push(['D', token.name, token.publicId, token.systemId, token.forceQuirks]),
      onEof: () => out.push(['EOF']),
    },
  )
  tokenizer.write(html, true)
  return out
}
