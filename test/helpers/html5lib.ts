import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The html5lib-tests data (MIT), kept in the repository: see `test/fixtures/html5lib/README.md`. */
export const HTML5LIB = join(import.meta.dirname, '..', 'fixtures', 'html5lib')

export interface TreeConstructionCase {
  file: string
  index: number
  data: string
  /** The case is meant to run with scripting disabled (`#script-off`). */
  scriptOff: boolean
}

/** Every non-fragment input of the tree-construction tests (`#document-fragment` cases are left out). */
export function treeConstructionInputs(): TreeConstructionCase[] {
  const dir = join(HTML5LIB, 'tree-construction')
  const cases: TreeConstructionCase[] = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.dat'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8')
    const blocks = text.split(/^#data\n/m).slice(1)
    blocks.forEach((block, index) => {
      const end = block.search(/^#errors\n/m)
      if (end === -1 || /^#document-fragment\n/m.test(block)) return
      // The input ends before the newline that precedes "#errors".
      const data = block.slice(0, Math.max(0, end - 1))
      cases.push({ file, index, data, scriptOff: /^#script-off$/m.test(block) })
    })
  }
  return cases
}

export interface TreeConstructionTest {
  /** `file.dat#index`, as html5lib names a case. */
  id: string
  data: string
  /** The expected `#document` dump, `| `-prefixed lines. */
  document: string
  /** The `#document-fragment` context: a local name, `svg NAME` or `math NAME`. */
  fragment: string | null
  scripting: 'on' | 'off' | 'both'
}

/** Every tree-construction case with its expected tree (scripted/ subfolder left out: it needs a script engine). */
export function treeConstructionTests(): TreeConstructionTest[] {
  const dir = join(HTML5LIB, 'tree-construction')
  const tests: TreeConstructionTest[] = []
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.dat'))
    .sort()) {
    const text = readFileSync(join(dir, file), 'utf8')
    text
      .split(/^#data\n/m)
      .slice(1)
      .forEach((block, index) => {
        const errors = block.search(/^#errors\n/m)
        const doc = block.search(/^#document\n/m)
        if (errors === -1 || doc === -1) throw new Error(`${file}#${index}: no #errors or #document`)
        const fragment = /^#document-fragment\n(.*)$/m.exec(block)?.[1] ?? null
        const scripting = /^#script-off$/m.test(block) ? 'off' : /^#script-on$/m.test(block) ? 'on' : 'both'
        tests.push({
          id: `${file}#${index}`,
          data: block.slice(0, Math.max(0, errors - 1)),
          document: block.slice(doc + '#document\n'.length).replace(/\n+$/, ''),
          fragment,
          scripting,
        })
      })
  }
  return tests
}
