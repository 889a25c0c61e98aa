import type { Attribute } from './tokens.js'
import { T } from './tag-sets.js'

/**
 * SVG and MathML adjustments (HTML §13.2.6.1 "adjust MathML attributes", "adjust SVG attributes",
 * "adjust foreign attributes", and the SVG tag name table of §13.2.6.5) and the integration points.
 */

const XLINK = 'http://www.w3.org/1999/xlink'
const XML = 'http://www.w3.org/XML/1998/namespace'
const XMLNS = 'http://www.w3.org/2000/xmlns/'

function caseTable(names: string): Map<string, string> {
  return new Map(names.split(' ').map((n) => [n.toLowerCase(), n]))
}

/** §13.2.6.5, "any other start tag" in foreign content: SVG element names with upper-case letters. */
const SVG_TAG_NAMES = caseTable(
  'altGlyph altGlyphDef altGlyphItem animateColor animateMotion animateTransform clipPath feBlend ' +
    'feColorMatrix feComponentTransfer feComposite feConvolveMatrix feDiffuseLighting feDisplacementMap ' +
    'feDistantLight feDropShadow feFlood feFuncA feFuncB feFuncG feFuncR feGaussianBlur feImage feMerge ' +
    'feMergeNode feMorphology feOffset fePointLight feSpecularLighting feSpotLight feTile feTurbulence ' +
    'foreignObject glyphRef linearGradient radialGradient textPath',
)

/** §13.2.6.1 "adjust SVG attributes". */
const SVG_ATTRIBUTES = caseTable(
  'attributeName attributeType baseFrequency baseProfile calcMode clipPathUnits diffuseConstant ' +
    'edgeMode filterUnits glyphRef gradientTransform gradientUnits kernelMatrix kernelUnitLength ' +
    'keyPoints keySplines keyTimes lengthAdjust limitingConeAngle markerHeight markerUnits markerWidth ' +
    'maskContentUnits maskUnits numOctaves pathLength patternContentUnits patternTransform patternUnits ' +
    'pointsAtX pointsAtY pointsAtZ preserveAlpha preserveAspectRatio primitiveUnits refX refY ' +
    'repeatCount repeatDur requiredExtensions requiredFeatures specularConstant specularExponent ' +
    'spreadMethod startOffset stdDeviation stitchTiles surfaceScale systemLanguage tableValues targetX ' +
    'targetY textLength viewBox viewTarget xChannelSelector yChannelSelector zoomAndPan',
)

/** §13.2.6.1 "adjust foreign attributes": name → [prefix, local name, namespace]. */
const FOREIGN_ATTRIBUTES = new Map<string, [string | undefined, string, string]>([
  ['xlink:actuate', ['xlink', 'actuate', XLINK]],
  ['xlink:arcrole', ['xlink', 'arcrole', XLINK]],
  ['xlink:href', ['xlink', 'href', XLINK]],
  ['xlink:role', ['xlink', 'role', XLINK]],
  ['xlink:show', ['xlink', 'show', XLINK]],
  ['xlink:title', ['xlink', 'title', XLINK]],
  ['xlink:type', ['xlink', 'type', XLINK]],
  ['xml:lang', ['xml', 'lang', XML]],
  ['xml:space', ['xml', 'space', XML]],
  ['xmlns', [undefined, 'xmlns', XMLNS]],
  ['xmlns:xlink', ['xmlns', 'xlink', XMLNS]],
])

export function adjustSvgTagName(name: string): string {
  return SVG_TAG_NAMES.get(name) ?? name
}

export function adjustSvgAttributes(attrs: Attribute[]): void {
  for (let i = 0; i < attrs.length; i++) {
    const adjusted = SVG_ATTRIBUTES.get(attrs[i]!.name)
    if (adjusted !== undefined) attrs[i]!.name = adjusted
  }
}

export function adjustMathMlAttributes(attrs: Attribute[]): void {
  for (let i = 0; i < attrs.length; i++) {
    if (attrs[i]!.name === 'definitionurl') attrs[i]!.name = 'definitionURL'
  }
}

export function adjustForeignAttributes(attrs: Attribute[]): void {
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!
    // Only names with a colon or "xmlns" can match: skip the map for the rest.
    if (a.name.charCodeAt(0) !== 0x78 /* x */) continue
    const adjusted = FOREIGN_ATTRIBUTES.get(a.name)
    if (adjusted === undefined) continue
    if (adjusted[0] !== undefined) a.prefix = adjusted[0]
    a.name = adjusted[1]
    a.namespace = adjusted[2]
  }
}

/** §13.2.6.5: start tags that break out of foreign content (font only with color, face or size). */
const BREAKOUT = new Uint8Array(256)
for (const id of [
  T.B,
  T.BIG,
  T.BLOCKQUOTE,
  T.BODY,
  T.BR,
  T.CENTER,
  T.CODE,
  T.DD,
  T.DIV,
  T.DL,
  T.DT,
  T.EM,
  T.EMBED,
  T.H1,
  T.H2,
  T.H3,
  T.H4,
  T.H5,
  T.H6,
  T.HEAD,
  T.HR,
  T.I,
  T.IMG,
  T.LI,
  T.LISTING,
  T.MENU,
  T.META,
  T.NOBR,
  T.OL,
  T.P,
  T.PRE,
  T.RUBY,
  T.S,
  T.SMALL,
  T.SPAN,
  T.STRONG,
  T.STRIKE,
  T.SUB,
  T.SUP,
  T.TABLE,
  T.TT,
  T.U,
  T.UL,
  T.VAR,
]) {
  BREAKOUT[id] = 1
}

export function breaksOutOfForeignContent(id: number, attrs: readonly Attribute[]): boolean {
  if (BREAKOUT[id] === 1) return true
  if (id !== T.FONT) return false
  for (let i = 0; i < attrs.length; i++) {
    const n = attrs[i]!.name
    if (n === 'color' || n === 'face' || n === 'size') return true
  }
  return false
}

/** §13.2.6.1: annotation-xml is an HTML integration point when its encoding is text/html or application/xhtml+xml. */
export function annotationXmlIsIntegrationPoint(attrs: readonly Attribute[]): boolean {
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i]!
    if (a.name === 'encoding' && a.namespace === undefined) {
      const v = a.value.toLowerCase()
      return v === 'text/html' || v === 'application/xhtml+xml'
    }
  }
  return false
}
