/**
 * Tag names the tree builder's rules name (HTML §13.2.6), interned as small integers so a rule
 * compares numbers, and the categories the rules test (§13.2.4.3 "special", the scope boundaries of
 * §13.2.4.2). An HTML element whose name no rule mentions has the id `T.OTHER`.
 */

export const NS = { HTML: 0, SVG: 1, MATHML: 2 } as const
export type Ns = (typeof NS)[keyof typeof NS]

export const NAMESPACE_URI: readonly string[] = [
  'http://www.w3.org/1999/xhtml',
  'http://www.w3.org/2000/svg',
  'http://www.w3.org/1998/Math/MathML',
]

const NAMES = [
  'other',
  'a',
  'address',
  'applet',
  'area',
  'article',
  'aside',
  'b',
  'base',
  'basefont',
  'bgsound',
  'big',
  'blockquote',
  'body',
  'br',
  'button',
  'caption',
  'center',
  'code',
  'col',
  'colgroup',
  'datalist',
  'dd',
  'details',
  'dialog',
  'dir',
  'div',
  'dl',
  'dt',
  'em',
  'embed',
  'fieldset',
  'figcaption',
  'figure',
  'font',
  'footer',
  'form',
  'frame',
  'frameset',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'head',
  'header',
  'hgroup',
  'hr',
  'html',
  'i',
  'iframe',
  'image',
  'img',
  'input',
  'keygen',
  'li',
  'link',
  'listing',
  'main',
  'marquee',
  'math',
  'menu',
  'meta',
  'nav',
  'nobr',
  'noembed',
  'noframes',
  'noscript',
  'object',
  'ol',
  'optgroup',
  'option',
  'p',
  'param',
  'plaintext',
  'pre',
  'rb',
  'rp',
  'rt',
  'rtc',
  'ruby',
  's',
  'script',
  'search',
  'section',
  'select',
  'selectedcontent',
  'small',
  'source',
  'span',
  'strike',
  'strong',
  'style',
  'sub',
  'summary',
  'sup',
  'svg',
  'table',
  'tbody',
  'td',
  'template',
  'textarea',
  'tfoot',
  'th',
  'thead',
  'title',
  'tr',
  'track',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
  'xmp',
  // Foreign names the rules mention (compared only together with a namespace).
  'mi',
  'mo',
  'mn',
  'ms',
  'mtext',
  'annotation-xml',
  'malignmark',
  'mglyph',
  'foreignObject',
  'desc',
] as const

type Name = (typeof NAMES)[number]
type Ids = { [K in Name as Uppercase<K extends 'annotation-xml' ? 'annotation_xml' : K>]: number }

/** Tag ids by upper-cased name (`T.DIV`, `T.ANNOTATION_XML`, `T.FOREIGNOBJECT`). */
export const T = Object.fromEntries(
  NAMES.map((n, i) => [n.replace('-', '_').toUpperCase(), i]),
) as unknown as Readonly<Ids>

const IDS = new Map<string, number>(NAMES.map((n, i) => [n, i]))

/** The id of a tag name (as the tokenizer lower-cases it, or an adjusted SVG name); 0 when no rule names it. */
export function tagId(name: string): number {
  return IDS.get(name) ?? 0
}

function set(...ids: number[]): Uint8Array {
  const s = new Uint8Array(NAMES.length)
  for (const id of ids) s[id] = 1
  return s
}

/** §13.2.4.3: the special category, HTML namespace part. */
export const SPECIAL_HTML = set(
  T.ADDRESS,
  T.APPLET,
  T.AREA,
  T.ARTICLE,
  T.ASIDE,
  T.BASE,
  T.BASEFONT,
  T.BGSOUND,
  T.BLOCKQUOTE,
  T.BODY,
  T.BR,
  T.BUTTON,
  T.CAPTION,
  T.CENTER,
  T.COL,
  T.COLGROUP,
  T.DD,
  T.DETAILS,
  T.DIR,
  T.DIV,
  T.DL,
  T.DT,
  T.EMBED,
  T.FIELDSET,
  T.FIGCAPTION,
  T.FIGURE,
  T.FOOTER,
  T.FORM,
  T.FRAME,
  T.FRAMESET,
  T.H1,
  T.H2,
  T.H3,
  T.H4,
  T.H5,
  T.H6,
  T.HEAD,
  T.HEADER,
  T.HGROUP,
  T.HR,
  T.HTML,
  T.IFRAME,
  T.IMG,
  T.INPUT,
  T.KEYGEN,
  T.LI,
  T.LINK,
  T.LISTING,
  T.MAIN,
  T.MARQUEE,
  T.MENU,
  T.META,
  T.NAV,
  T.NOEMBED,
  T.NOFRAMES,
  T.NOSCRIPT,
  T.OBJECT,
  T.OL,
  T.P,
  T.PARAM,
  T.PLAINTEXT,
  T.PRE,
  T.SCRIPT,
  T.SEARCH,
  T.SECTION,
  T.SELECT,
  T.SOURCE,
  T.STYLE,
  T.SUMMARY,
  T.TABLE,
  T.TBODY,
  T.TD,
  T.TEMPLATE,
  T.TEXTAREA,
  T.TFOOT,
  T.TH,
  T.THEAD,
  T.TITLE,
  T.TR,
  T.TRACK,
  T.UL,
  T.WBR,
  T.XMP,
)

/** §13.2.4.2 "has an element in scope": the HTML part of the boundary list. */
// select joined the list with the relaxed <select> parsing (whatwg/html #10557, 2025): a formatting
// element outside a select is not in scope inside it, so its end tag there is ignored.
const SCOPE_HTML = [
  T.APPLET,
  T.CAPTION,
  T.HTML,
  T.TABLE,
  T.TD,
  T.TH,
  T.MARQUEE,
  T.OBJECT,
  T.SELECT,
  T.TEMPLATE,
]

/**
 * Bits for what an element on the stack of open elements is. The stack keeps, per bit, the elements
 * that have it, so "is X in scope" compares two positions instead of walking the stack.
 */
export const K = {
  /** Boundary of "in scope" (and so of list item and button scope). */
  SCOPE: 1,
  /** ol, ul: the extra boundaries of list item scope. */
  LIST: 2,
  /** button: the extra boundary of button scope. */
  BUTTON: 4,
  /** html, table, template: table scope. */
  TABLE: 8,
  /** The special category. */
  SPECIAL: 16,
  /** Special but not address, div or p: where the li/dd/dt start tag loops stop. */
  LI_STOP: 32,
  /** Elements "reset the insertion mode appropriately" decides on (§13.2.4.1). */
  RESET: 64,
} as const

const HTML_KINDS = new Uint8Array(NAMES.length)
for (const id of SCOPE_HTML) HTML_KINDS[id]! |= K.SCOPE
HTML_KINDS[T.OL]! |= K.LIST
HTML_KINDS[T.UL]! |= K.LIST
HTML_KINDS[T.BUTTON]! |= K.BUTTON
for (const id of [T.HTML, T.TABLE, T.TEMPLATE]) HTML_KINDS[id]! |= K.TABLE
for (let id = 0; id < NAMES.length; id++) {
  if (SPECIAL_HTML[id] === 1) {
    HTML_KINDS[id]! |= K.SPECIAL
    if (id !== T.ADDRESS && id !== T.DIV && id !== T.P) HTML_KINDS[id]! |= K.LI_STOP
  }
}
for (const id of [
  T.TD,
  T.TH,
  T.TR,
  T.TBODY,
  T.THEAD,
  T.TFOOT,
  T.CAPTION,
  T.COLGROUP,
  T.TABLE,
  T.TEMPLATE,
  T.HEAD,
  T.BODY,
  T.FRAMESET,
  T.HTML,
]) {
  HTML_KINDS[id]! |= K.RESET
}

/** The kind bits of an element. */
export function kindsOf(ns: Ns, id: number): number {
  if (ns === NS.HTML) return HTML_KINDS[id]!
  if (ns === NS.MATHML) {
    // mi, mo, mn, ms, mtext, annotation-xml bound every scope but table scope, and are special.
    if (id >= T.MI && id <= T.ANNOTATION_XML) return K.SCOPE | K.SPECIAL | K.LI_STOP
    return 0
  }
  if (id === T.FOREIGNOBJECT || id === T.DESC || id === T.TITLE) return K.SCOPE | K.SPECIAL | K.LI_STOP
  return 0
}

/** §13.2.6.3 "generate implied end tags". */
export const IMPLIED_END = set(T.DD, T.DT, T.LI, T.OPTGROUP, T.OPTION, T.P, T.RB, T.RP, T.RT, T.RTC)

/** §13.2.6.3 "generate all implied end tags thoroughly". */
export const IMPLIED_END_THOROUGH = set(
  T.CAPTION,
  T.COLGROUP,
  T.DD,
  T.DT,
  T.LI,
  T.OPTGROUP,
  T.OPTION,
  T.P,
  T.RB,
  T.RP,
  T.RT,
  T.RTC,
  T.TBODY,
  T.TD,
  T.TFOOT,
  T.TH,
  T.THEAD,
  T.TR,
)

/** §13.2.6.4.7: the formatting tags (Noah's Ark, adoption agency). */
export const FORMATTING = set(
  T.A,
  T.B,
  T.BIG,
  T.CODE,
  T.EM,
  T.FONT,
  T.I,
  T.NOBR,
  T.S,
  T.SMALL,
  T.STRIKE,
  T.STRONG,
  T.TT,
  T.U,
)
