/**
 * The README's TypeScript blocks type-check as written (issue 12, item 5): each ```ts block is a
 * file of its own, importing `tagwarden` as a user's project does — through the package's exports,
 * to the built declarations — under `strict` with `nodenext` and with `bundler` resolution.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import ts from 'typescript'

const ROOT = join(import.meta.dirname, '..')

function blocks(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
  return [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!)
}

const SETTINGS: Record<string, ts.CompilerOptions> = {
  nodenext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
}

t.test('every TypeScript block of the README type-checks', async (t) => {
  t.ok(existsSync(join(ROOT, 'dist', 'index.d.ts')), 'the package is built (npm test builds it first)')
  const code = blocks()
  t.ok(code.length >= 3, `the README's blocks (${code.length})`)
  // Inside the repository: `tagwarden` resolves to the package itself (a self-reference through its
  // exports), and the packages a block names (http-proxy, fastify, express) to node_modules.
  const dir = t.testdir({})
  const files = code.map((text, i) => {
    const file = join(dir, `readme-block-${i + 1}.ts`)
    writeFileSync(file, text)
    return file
  })
  for (const [name, resolution] of Object.entries(SETTINGS)) {
    const program = ts.createProgram(files, {
      ...resolution,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      esModuleInterop: true,
      types: ['node'],
    })
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file
        ? `${d.file.fileName.replace(`${dir}/`, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
        : ''
      return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`
    })
    t.same(diagnostics, [], `${name}: no errors`)
  }
})
