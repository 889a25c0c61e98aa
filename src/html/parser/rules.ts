import type { ModeRules } from './insertion-mode.js'
import type { TreeBuilder } from './tree-builder.js'
import { afterAfterBody, afterAfterFrameset, afterBody, afterFrameset, inFrameset } from './rules-after.js'
import { inBody, text } from './rules-body.js'
import { afterHead, beforeHead, beforeHtml, inHead, inHeadNoscript, initial } from './rules-head.js'
import { inCaption, inCell, inColumnGroup, inRow, inTable, inTableBody, inTableText } from './rules-table.js'
import { inTemplate } from './rules-template.js'

/** The rules of each insertion mode, indexed by `M` (insertion-mode.ts). */
export const MODE_RULES: readonly ModeRules<TreeBuilder<unknown>>[] = [
  initial,
  beforeHtml,
  beforeHead,
  inHead,
  inHeadNoscript,
  afterHead,
  inBody,
  text,
  inTable,
  inTableText,
  inCaption,
  inColumnGroup,
  inTableBody,
  inRow,
  inCell,
  inTemplate,
  afterBody,
  inFrameset,
  afterFrameset,
  afterAfterBody,
  afterAfterFrameset,
]
