import t from 'tap'
import { Tokenizer } from '../src/html/parser/tokenizer.js'
import { TreeBuilder } from '../src/html/parser/tree-builder.js'
import { FullTree, serialize } from './helpers/full-tree.js'
import { treeConstructionTests, type TreeConstructionTest } from './helpers/html5lib.js'

/**
 * tagwarden's tree builder against the html5lib-tests expected trees (test/fixtures/html5lib), node for
 * node, fed whole and one code unit at a time. Scripting is enabled in tagwarden (as in a browser), so
 * `#script-off` cases do not apply.
 */

const NAMESPACES: Record<string, string> = {
  svg: 'http://www.w3.org/2000/svg',
  math: 'http://www.w3.org/1998/Math/MathML',
}

export function buildTree(test: Pick<TreeConstructionTest, 'data' | 'fragment'>, chunk = Infinity): string {
  const tree = new FullTree()
  let fragmentContext
  if (test.fragment !== null) {
    const [first, second] = test.fragment.split(' ')
    fragmentContext =
      second === undefined ? { name: first! } : { name: second, namespace: NAMESPACES[first!] }
  }
  const builder = new TreeBuilder(tree, null, { maxTreeDepth: Infinity, fragmentContext })
  const tokenizer = new Tokenizer(builder)
  builder.connect(tokenizer)
  for (let i = 0; i < test.data.length; i += chunk) tokenizer.write(test.data.slice(i, i + chunk))
  tokenizer.end()
  return serialize(tree.document, true)
}

const tests = treeConstructionTests().filter((c) => c.scripting !== 'off')

t.test('html5lib tree-construction: every expected tree, the input whole', async (t) => {
  for (const test of tests) t.equal(buildTree(test), test.document, test.id)
})

t.test('html5lib tree-construction: one code unit at a time', async (t) => {
  for (const test of tests) t.equal(buildTree(test, 1), test.document, test.id)
})
