/**
 * The tokenizer's states, numbered as the sections of HTML §13.2.5 that define them (§13.2.5.1 is the
 * data state, so `State.Data` is 1), so a reader can hold the code beside the Standard.
 *
 * Some states of the Standard have no number here because the tokenizer decides them by looking ahead
 * in the input instead of consuming one code point at a time. Each such decision needs a bounded
 * number of code units; when a write ends before it can be made, the undecided tail (at most a few
 * code units: `</scrip`, `<!DOCTY`, `&Counterclockwise…`, `]]`) is kept and read again with the next
 * write. These are:
 * - §13.2.5.6–7 tag open, end tag open: the one or two code units after `<`;
 * - §13.2.5.9–19, 23–26, 30–31: the less-than-sign, end-tag-open, end-tag-name, escape-start and
 *   double-escape states of RCDATA, RAWTEXT and script data: `</` followed by the last start tag's name
 *   (the only end tag they can end on, "appropriate end tag"), `<!--`, `<script` and `</script`;
 * - §13.2.5.42 markup declaration open: `--`, `DOCTYPE`, `[CDATA[`;
 * - §13.2.5.46–49 comment less-than-sign states: they only report nested-comment parse errors; the
 *   comment's data and where it ends are the same without them;
 * - §13.2.5.70–71 CDATA section bracket and end: `]]>`;
 * - §13.2.5.72–77 and 80, character references: a named reference is at most 32 name characters;
 *   only the digits of a numeric reference are unbounded, so they keep states of their own (78, 79).
 */
export const State = {
  Data: 1,
  RCDATA: 2,
  RAWTEXT: 3,
  ScriptData: 4,
  PLAINTEXT: 5,
  TagName: 8,
  ScriptDataEscaped: 20,
  ScriptDataEscapedDash: 21,
  ScriptDataEscapedDashDash: 22,
  ScriptDataDoubleEscaped: 27,
  ScriptDataDoubleEscapedDash: 28,
  ScriptDataDoubleEscapedDashDash: 29,
  BeforeAttributeName: 32,
  AttributeName: 33,
  AfterAttributeName: 34,
  BeforeAttributeValue: 35,
  AttributeValueDoubleQuoted: 36,
  AttributeValueSingleQuoted: 37,
  AttributeValueUnquoted: 38,
  AfterAttributeValueQuoted: 39,
  SelfClosingStartTag: 40,
  BogusComment: 41,
  CommentStart: 43,
  CommentStartDash: 44,
  Comment: 45,
  CommentEndDash: 50,
  CommentEnd: 51,
  CommentEndBang: 52,
  Doctype: 53,
  BeforeDoctypeName: 54,
  DoctypeName: 55,
  AfterDoctypeName: 56,
  AfterDoctypePublicKeyword: 57,
  BeforeDoctypePublicIdentifier: 58,
  DoctypePublicIdentifierDoubleQuoted: 59,
  DoctypePublicIdentifierSingleQuoted: 60,
  AfterDoctypePublicIdentifier: 61,
  BetweenDoctypePublicAndSystemIdentifiers: 62,
  AfterDoctypeSystemKeyword: 63,
  BeforeDoctypeSystemIdentifier: 64,
  DoctypeSystemIdentifierDoubleQuoted: 65,
  DoctypeSystemIdentifierSingleQuoted: 66,
  AfterDoctypeSystemIdentifier: 67,
  BogusDoctype: 68,
  CdataSection: 69,
  HexadecimalCharacterReference: 78,
  DecimalCharacterReference: 79,
} as const
export type State = (typeof State)[keyof typeof State]

/** True in the states that hold a comment token (its data in the tokenizer's comment buffer). */
export function isCommentState(state: number): boolean {
  return state === State.BogusComment || (state >= State.CommentStart && state <= State.CommentEndBang)
}

/** True in the states that hold a DOCTYPE token. */
export function isDoctypeState(state: number): boolean {
  return state >= State.Doctype && state <= State.BogusDoctype
}

/**
 * True in the text states of script data after `<!--` (§13.2.5.20–22, 27–29). Everything read in them
 * has already been emitted as characters; they only decide how a later `<!--`, `<script` or `</script`
 * inside the script is read, so no tag is half-read while the tokenizer is in one of them.
 */
export function isScriptEscapedTextState(state: number): boolean {
  return (
    (state >= State.ScriptDataEscaped && state <= State.ScriptDataEscapedDashDash) ||
    (state >= State.ScriptDataDoubleEscaped && state <= State.ScriptDataDoubleEscapedDashDash)
  )
}
