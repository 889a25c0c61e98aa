/**
 * Seeded markup for the tokenizer tests: small documents built from pieces that reach every state of
 * §13.2.5 — odd attributes, references with and without `;` (in text and attributes), CR/LF/NUL
 * anywhere, comment and DOCTYPE oddities, CDATA inside and outside foreign content, raw text elements,
 * script data escaped and double-escaped, and everything left unterminated at the end.
 */
import { prng } from './chunks.js'

type Random = () => number

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!

const NAMES = ['a', 'DiV', 'img', 'svg', 'math', 'p', 'foo-bar', 'x\0y', 'Ä', 'td', 'b']
const RAW = ['script', 'style', 'title', 'textarea', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript']
const ATTR_NAMES = ['href', 'HREF', 'x', 'data-a', '"q', "'s", '<l', '=e', 'a\0b', 'on', 'Zz', 'x:y']
const REFERENCES = [
  '&amp;',
  '&amp',
  '&AMP',
  '&lt',
  '&notit;',
  '&notin;',
  '&not',
  '&noti',
  '&#65;',
  '&#x41',
  '&#X6a;',
  '&#0;',
  '&#x80;',
  '&#x9f',
  '&#xD800;',
  '&#1114112;',
  '&#99999999999999;',
  '&#;',
  '&#x;',
  '&#xg',
  '&;',
  '& ',
  '&',
  '&CounterClockwiseContourIntegral;',
  '&CounterClockwiseContourIntegra',
  '&zwnj;',
  '&nbsp=',
  '&nbspx',
  '&gt=',
  '&acE;',
  '&#13;',
  '&#x0D',
  '&#128512;',
  '&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa;',
]
const TEXT = [
  'hello',
  ' ',
  '\n',
  '\r',
  '\r\n',
  '\0',
  '\t',
  '\f',
  '<',
  '>',
  '=',
  '"',
  "'",
  '-',
  ']',
  '/',
  'é',
  '\u{1F600}',
  '\u2028',
]

function text(random: Random): string {
  let out = ''
  const length = Math.floor(random() * 4)
  for (let i = 0; i < length; i++) out += random() < 0.3 ? pick(random, REFERENCES) : pick(random, TEXT)
  return out
}

function attribute(random: Random): string {
  const name = pick(random, ATTR_NAMES)
  const value = text(random) + (random() < 0.5 ? pick(random, REFERENCES) : '')
  switch (Math.floor(random() * 6)) {
    case 0:
      return name
    case 1:
      return `${name}="${value.replaceAll('"', '')}"`
    case 2:
      return `${name}='${value.replaceAll("'", '')}'`
    case 3:
      return `${name}=${value.replace(/[\s>]/g, '')}`
    case 4:
      return `${name} = "${value.replaceAll('"', '')}"`
    default:
      return `${name}=${pick(random, ['', '"', "'", '>', '/'])}`
  }
}

function startTag(random: Random, name: string): string {
  let out = `<${name}`
  const count = Math.floor(random() * 4)
  for (let i = 0; i < count; i++) out += pick(random, [' ', '\n', '\t', '/', '', '\r\n']) + attribute(random)
  return out + pick(random, ['>', '/>', ' >', ' / >', '//>', '>'])
}

function piece(random: Random): string {
  switch (Math.floor(random() * 16)) {
    case 0:
    case 1:
      return text(random)
    case 2:
    case 3:
      return startTag(random, pick(random, NAMES))
    case 4:
      return `</${pick(random, NAMES)}${pick(random, ['>', ' a=b>', '/>', ' >', ''])}`
    case 5: {
      // A raw text element: its content, maybe its end tag (in any case), maybe a false one.
      const name = pick(random, RAW)
      const end =
        random() < 0.7
          ? `</${random() < 0.3 ? name.toUpperCase() : name}${pick(random, ['>', ' ', '/', 'x>'])}`
          : ''
      return `${startTag(random, name)}${text(random)}${pick(random, ['', `</${name.slice(0, 3)}`, '<!--', '-->', '<'])}${text(random)}${end}`
    }
    case 6: {
      // Script data escaped and double-escaped.
      const inner = pick(random, [
        '<!--',
        '-->',
        '<script>',
        '</script>',
        '<SCRIPT ',
        '<scriptx>',
        '--',
        '-',
        '<!-',
        '<',
        '</',
        '<!--<script>',
        '</script >',
      ])
      return `<script>${text(random)}${inner}${text(random)}${pick(random, ['', '-->', '--!>', inner])}${random() < 0.8 ? '</script>' : ''}`
    }
    case 7:
      return pick(random, [
        '<!---->',
        '<!-->',
        '<!--->',
        '<!-- a -- b -->',
        '<!-- a --!>',
        '<!-- <!-- -->',
        '<!--a--!-->',
        '<!--a---->',
        '<!--',
        '<!-',
        '<!',
        '<!--a-',
        '<!--a--',
        '<!--a--!',
        '<!--<!-',
        '<!x>',
        '<?php ?>',
        '</ x>',
        '</>',
        '</',
        '<![CDATA[x]]>',
        '<!-- \0 -->',
        '<!--\r\n-->',
      ])
    case 8:
      return pick(random, [
        '<!DOCTYPE html>',
        '<!doctype HTML>',
        '<!DOCTYPE>',
        '<!DOCTYPEhtml>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd">',
        "<!DOCTYPE html SYSTEM 'about:legacy-compat'>",
        '<!DOCTYPE html PUBLIC"x"\'y\'>',
        '<!DOCTYPE html PUBLIC>',
        '<!DOCTYPE html SYSTEM>',
        '<!DOCTYPE html PUBLIC "a>',
        '<!DOCTYPE html bogus>',
        '<!DOCTYPE html SYSTEM "a" b>',
        '<!DOCTYPE \0>',
        '<!DOCTYPE html PUB',
        '<!DOCTYPE html PUBLIC "a" ',
        '<!doctype',
        '<!DOCTYPE a\r\nSYSTEM "x">',
      ])
    case 9:
      // CDATA: a section in foreign content, a bogus comment in HTML.
      return `${random() < 0.6 ? '<svg>' : ''}<![CDATA[${text(random)}${pick(random, ['', ']', ']]', ']]]', '\0', '>'])}${pick(random, [']]>', '', ']>'])}${random() < 0.5 ? '</svg>' : ''}`
    case 10:
      return `<svg><title>${text(random)}</title><style>${text(random)}</style></svg>`
    case 11:
      return pick(random, REFERENCES)
    case 12:
      return `<${pick(random, ['', ' ', '1', '\0', '=', 'a\0'])}`
    case 13:
      return `<math><mi>${text(random)}</mi></math>`
    case 14:
      return `<textarea>${pick(random, REFERENCES)}${text(random)}</textarea>`
    default:
      return startTag(random, `${pick(random, NAMES)}${pick(random, ['', 'x', '\0'])}`)
  }
}

/** Document number `index` of the sequence seeded by `seed`. */
export function generatedDocument(seed: number, index: number): string {
  const random = prng(seed * 100003 + index)
  let out = ''
  const pieces = 1 + Math.floor(random() * 12)
  for (let i = 0; i < pieces; i++) out += piece(random)
  // PLAINTEXT swallows the rest: only ever last.
  if (random() < 0.1) out += `<plaintext>${text(random)}</plaintext>${piece(random)}`
  // Half the documents stop mid-token.
  if (random() < 0.5) out = out.slice(0, Math.floor(random() * (out.length + 1)))
  return out
}
