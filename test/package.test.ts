import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

const run = promisify(execFile)
const root = join(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | Record<string, Record<string, string>>>
}

/** Each entry of the exports map and what it must export, by `typeof`. */
const ENTRIES: Record<string, Record<string, string>> = {
  tagwarden: {
    createInspector: 'function',
    Inspector: 'function',
    InspectorStream: 'function',
    inspectHtml: 'function',
    loadPolicy: 'function',
    parsePolicy: 'function',
    learnPolicy: 'function',
    directivesForPath: 'function',
    DEFAULT_LIMITS: 'object',
    CHECKED_DIRECTIVES: 'object',
    TagwardenError: 'function',
    PolicyError: 'function',
    ConfigError: 'function',
    UpstreamError: 'function',
    ProbeError: 'function',
    // The heavy parts are in the subpaths only.
    createProxy: 'undefined',
    createMetrics: 'undefined',
    wrapHandler: 'undefined',
    createProbeExporter: 'undefined',
  },
  'tagwarden/embed': {
    wrapHandler: 'function',
    middleware: 'function',
    fastifyTagwarden: 'function',
    attachInspector: 'function',
    httpProxyMiddlewarePlugin: 'function',
    inspectResponse: 'function',
    createMetrics: 'function',
    RESPONSE_VERDICTS: 'object',
  },
  'tagwarden/proxy': {
    createProxy: 'function',
    createLogger: 'function',
    loadProxyConfig: 'function',
    createMetrics: 'function',
    DEFAULT_TIMEOUTS: 'object',
    ConfigError: 'function',
    UpstreamError: 'function',
  },
  'tagwarden/probe': {
    createProbeExporter: 'function',
    loadProbeConfig: 'function',
    runProbe: 'function',
    TargetTable: 'function',
    probeExposition: 'function',
    DEFAULT_PROBE_SETTINGS: 'object',
    ProbeError: 'function',
    ProbeTargetError: 'function',
  },
}

const HEAVY = ['pino', 'prom-client', 'http-proxy']

/**
 * A script for a fresh `node` (no tsx: the package as users load it, by name through the exports
 * map), as ESM or CommonJS: it loads `specs` in order and prints, as JSON, the `typeof` of every
 * export of each, whether the classes the entries share are one class, and which of HEAVY are loaded.
 * HEAVY are CommonJS packages: loaded from ESM or CommonJS, each of their files lands in the
 * CommonJS module cache, which is where the script looks.
 */
function script(format: 'esm' | 'cjs', specs: string[]): string {
  const load = format === 'esm' ? '(s) => import(s)' : '(s) => Promise.resolve(require(s))'
  const cache =
    format === 'esm' ? "(await import('node:module')).createRequire(import.meta.url).cache" : 'require.cache'
  return `(async () => {
    const load = ${load}
    const entries = {}
    for (const spec of ${JSON.stringify(specs)}) entries[spec] = await load(spec)
    const types = {}
    for (const [spec, m] of Object.entries(entries))
      types[spec] = Object.fromEntries(Object.keys(m).map((k) => [k, typeof m[k]]))
    const e = (spec, name) => entries[spec]?.[name]
    const shared = [
      ['tagwarden', 'ConfigError', 'tagwarden/proxy'],
      ['tagwarden', 'UpstreamError', 'tagwarden/proxy'],
      ['tagwarden', 'ProbeError', 'tagwarden/probe'],
      ['tagwarden/embed', 'createMetrics', 'tagwarden/proxy'],
    ].filter(([a, , b]) => a in entries && b in entries).map(([a, name, b]) => e(a, name) === e(b, name))
    const loaded = Object.keys(${cache})
    const heavy = ${JSON.stringify(HEAVY)}.filter((p) => loaded.some((f) => f.includes('/node_modules/' + p + '/')))
    console.log(JSON.stringify({ types, shared, heavy }))
  })().catch((error) => { console.error(error); process.exit(1) })`
}

interface Loaded {
  types: Record<string, Record<string, string>>
  shared: boolean[]
  heavy: string[]
}

async function load(format: 'esm' | 'cjs', specs: string[]): Promise<Loaded> {
  const flags = format === 'esm' ? ['--input-type=module'] : []
  const { stdout } = await run(process.execPath, [...flags, '-e', script(format, specs)], { cwd: root })
  return JSON.parse(stdout) as Loaded
}

/** Whether dist/ was built after every source file changed (`npm test` builds just before the suite). */
function builtSinceLastChange(): boolean {
  const built = join(root, 'dist', 'index.js')
  if (!existsSync(built)) return false
  const sources = readdirSync(join(root, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
  const inputs = [...sources, join(root, 'package.json'), join(root, 'tsup.config.ts')]
  const builtAt = statSync(built).mtimeMs
  return inputs.every((file) => statSync(file).mtimeMs <= builtAt)
}

t.before(async () => {
  // The package as built from the current source: built here unless it already is (a second
  // tsup run costs a minute of the suite).
  if (!builtSinceLastChange()) await run('npm', ['run', '--silent', 'build'], { cwd: root })
})

// The package as users get it: built by tsup, reached through the exports map by name, as ESM and
// as CommonJS, and the `tagwarden` bin.
t.test('every entry works from ESM and CommonJS, with the same exports', async (t) => {
  const specs = Object.keys(ENTRIES)
  const esm = await load('esm', specs)
  const cjs = await load('cjs', specs)
  for (const [spec, expected] of Object.entries(ENTRIES)) {
    for (const [name, type] of Object.entries(expected)) {
      const what = type === 'undefined' ? `does not export ${name}` : `exports ${name} (${type})`
      t.equal(esm.types[spec]![name] ?? 'undefined', type, `ESM: ${spec} ${what}`)
      t.equal(cjs.types[spec]![name] ?? 'undefined', type, `CommonJS: ${spec} ${what}`)
    }
    t.same(Object.keys(cjs.types[spec]!).sort(), Object.keys(esm.types[spec]!).sort(), `${spec}: same names`)
  }
  t.same(
    esm.shared,
    [true, true, true, true],
    'ESM: the entries share one class per error, one createMetrics',
  )
  t.same(cjs.shared, [true, true, true, true], 'CommonJS: the same')
})

t.test('importing tagwarden loads neither pino, prom-client nor http-proxy', async (t) => {
  for (const format of ['esm', 'cjs'] as const) {
    t.same((await load(format, ['tagwarden'])).heavy, [], `${format}: tagwarden`)
    // The check sees them when they are loaded.
    t.same((await load(format, ['tagwarden/proxy'])).heavy, HEAVY, `${format}: tagwarden/proxy loads them`)
    t.same((await load(format, ['tagwarden/embed'])).heavy, ['prom-client'], `${format}: tagwarden/embed`)
  }
})

t.test('every file the exports map names exists; the schemas are exported', async (t) => {
  const targets = Object.values(pkg.exports).flatMap((v) =>
    typeof v === 'string' ? [v] : Object.values(v).flatMap((c) => Object.values(c)),
  )
  for (const target of targets) t.ok(existsSync(join(root, target)), `${target} exists`)
  const { stdout } = await run(
    process.execPath,
    [
      '-e',
      `for (const s of ['policy', 'config']) console.log(require('tagwarden/' + s + '.schema.json').$schema)`,
    ],
    { cwd: root },
  )
  t.match(stdout, /^https:\/\/json-schema\.org\/\S+\nhttps:\/\/json-schema\.org\/\S+\n$/, 'both schemas')
})

t.test('the bin', async (t) => {
  const { stdout } = await run(process.execPath, [join(root, 'dist', 'cli', 'main.js'), '--help'])
  t.match(stdout, /tagwarden <command>/)
})

t.test('what ships: dist, schema, README, LICENSE, package.json; no source, test or bench', async (t) => {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root })
  const files = (JSON.parse(stdout) as [{ files: { path: string }[] }])[0].files.map((f) => f.path)
  for (const path of [
    'LICENSE',
    'README.md',
    'package.json',
    'schema/policy.schema.json',
    'schema/config.schema.json',
    'dist/cli/main.js',
  ])
    t.ok(files.includes(path), `ships ${path}`)
  for (const entry of ['index', 'embed', 'proxy', 'probe'])
    for (const ext of ['js', 'cjs', 'd.ts', 'd.cts'])
      t.ok(files.includes(`dist/${entry}.${ext}`), `ships dist/${entry}.${ext}`)
  t.same(
    files.filter((f) => !/^(dist|schema)\//.test(f) && !['LICENSE', 'README.md', 'package.json'].includes(f)),
    [],
    'nothing else',
  )
})
