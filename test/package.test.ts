import { execFile } from 'node:child_process'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')

// The package as users get it: built by tsup, reached through the exports map by name, as ESM and
// as CommonJS, and the `tagwarden` bin.
t.test('the built package works from ESM, CommonJS and the bin', async (t) => {
  await run('npm', ['run', '--silent', 'build'], { cwd: root })
  const esm = (await import(join(root, 'dist', 'index.js'))) as Record<string, unknown>
  const cjs = createRequire(join(root, 'package.json'))('tagwarden') as Record<string, unknown>
  for (const name of [
    'createInspector',
    'inspectHtml',
    'loadPolicy',
    'parsePolicy',
    'InspectorStream',
    'TagwardenError',
  ]) {
    t.type(esm[name], 'function', `ESM exports ${name}`)
    t.type(cjs[name], 'function', `CommonJS exports ${name}`)
  }
  const { stdout } = await run(process.execPath, [join(root, 'dist', 'cli', 'main.js'), '--help'])
  t.match(stdout, /tagwarden <command>/)
  const schema = createRequire(join(root, 'package.json'))('tagwarden/policy.schema.json') as {
    $schema?: string
  }
  t.ok(schema.$schema, 'the policy schema is exported')
})
