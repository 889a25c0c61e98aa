/**
 * The CLI for someone meeting it for the first time (issue 12, item 6): --version and help, "did you
 * mean", one stderr prefix, flags named as typed. What scan prints: cli-scan-output.test.ts. Every
 * case runs the real CLI.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { closest, editDistance } from '../src/cli/args.js'
import { LEARN_USAGE } from '../src/cli/learn.js'
import { PROBE_USAGE } from '../src/cli/probe.js'
import { PROXY_USAGE } from '../src/cli/proxy.js'
import { SCAN_USAGE } from '../src/cli/scan.js'
import { tagwarden } from './helpers/cli.js'

const ROOT = join(import.meta.dirname, '..')
const NO_IMAGES = "img-src 'none'"

/** A page with `n` images, each its own violation of NO_IMAGES, one per line. */
function images(n: number): string {
  return Array.from({ length: n }, (_, i) => `<img src="https://img.example/${i}.png">\n`).join('')
}

t.test('--version prints the package version; help is on stdout, exit 0', async (t) => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  for (const flag of ['--version', '-v']) {
    const r = await tagwarden([flag])
    t.same(r, { status: 0, stdout: `${version}\n`, stderr: '' }, flag)
  }
  for (const args of [['--help'], ['help']]) {
    const r = await tagwarden(args)
    t.equal(r.status, 0, args.join(' '))
    t.match(r.stdout, /^usage: tagwarden <command> \[options\]\n/)
    t.match(r.stdout, /tagwarden help <command>/, 'says where per-command help is')
    t.equal(r.stderr, '')
  }
  // Each command's usage, asked for either way (spread over the commands: each way is one code path).
  const asked: [string[], string][] = [
    [['help', 'scan'], SCAN_USAGE],
    [['scan', '-h'], SCAN_USAGE],
    [['help', 'learn'], LEARN_USAGE],
    [['proxy', '--help'], PROXY_USAGE],
    [['help', 'probe'], PROBE_USAGE],
  ]
  for (const [args, usage] of asked) {
    t.match(usage, new RegExp(`^usage: tagwarden ${args.find((a) => a !== 'help')} `))
    t.same(await tagwarden(args), { status: 0, stdout: `${usage}\n`, stderr: '' }, args.join(' '))
  }
})

t.test('help for a command that does not exist: exit 2, naming the commands there are', async (t) => {
  t.same(await tagwarden(['help', 'nosuch']), {
    status: 2,
    stdout: '',
    stderr: 'tagwarden: unknown command "nosuch" (commands: scan, learn, proxy, probe)\n',
  })
  const typo = await tagwarden(['help', 'sacn'])
  t.equal(typo.status, 2)
  t.equal(typo.stderr, 'tagwarden: unknown command "sacn" (did you mean scan?)\n')
})

t.test('an unknown option or command: exit 2, one line, the likely one suggested', async (t) => {
  const cases: [string[], string][] = [
    [['scan', '--polcy', 'p.yaml'], 'unknown option --polcy (did you mean --policy?)'],
    [['scan', '--csp', "default-src 'none'", '--jsno'], 'unknown option --jsno (did you mean --json?)'],
    [['scan', '--content', 'text/html'], 'unknown option --content (did you mean --content-type?)'],
    [['proxy', '--targt', 'http://127.0.0.1:1'], 'unknown option --targt (did you mean --target?)'],
    [['scan', '--bogus'], 'unknown option --bogus (see "tagwarden scan --help")'],
    [['--verison'], 'unknown option --verison (did you mean --version?)'],
    [['sacn', 'page.html'], 'unknown command "sacn" (did you mean scan?)'],
    [['frobnicate'], 'unknown command "frobnicate" (commands: scan, learn, proxy, probe)'],
  ]
  for (const [args, message] of cases) {
    t.same(
      await tagwarden(args),
      { status: 2, stdout: '', stderr: `tagwarden: ${message}\n` },
      args.join(' '),
    )
  }
})

t.test(
  'closest: within about one edit per three characters, a swap is one edit, else a unique prefix',
  (t) => {
    t.equal(editDistance('kitten', 'sitting'), 3)
    t.equal(editDistance('jsno', 'json'), 1, 'a swap of neighbours')
    t.equal(editDistance('', 'url'), 3)
    const probeFlags = [
      'policy',
      'csp',
      'config',
      'site',
      'json',
      'user-agent',
      'timeout',
      'listen',
      'log-level',
    ]
    t.equal(closest('user-agnt', probeFlags), 'user-agent')
    t.equal(closest('Polcy', probeFlags), 'policy', 'case does not count')
    t.equal(closest('tmeout', probeFlags), 'timeout')
    t.equal(closest('user', probeFlags), 'user-agent', 'the only flag it begins')
    t.equal(closest('lo', probeFlags), undefined, 'too short to be a prefix worth guessing')
    t.equal(closest('l', ['listen', 'log-level']), undefined)
    t.equal(closest('bogus', probeFlags), undefined)
    t.equal(closest('xyz', ['url']), undefined, 'three edits away is no guess')
    t.end()
  },
)

t.test('every line on stderr is "tagwarden: message", never naming the command again', async (t) => {
  const dir = t.testdir({ 'many.html': images(101), 'data.html': '<img src="data:image/png;base64,AAAA">' })
  const runs = [
    await tagwarden(['scan', join(dir, 'many.html')]), // usage: no policy
    await tagwarden(['scan', '--csp', NO_IMAGES, join(dir, 'missing.html')]), // I/O
    await tagwarden(['scan', '--csp', NO_IMAGES, join(dir, 'many.html')]), // not listed + summary
    await tagwarden(['learn', join(dir, 'data.html')]), // a widening warning
    await tagwarden(['proxy']),
    await tagwarden(['probe']),
  ]
  const lines = runs.flatMap((r) => r.stderr.trimEnd().split('\n'))
  t.equal(lines.length, 7)
  for (const line of lines) t.match(line, /^tagwarden: (?!(scan|learn|proxy|probe): )\S/)
  t.ok(lines.includes('tagwarden: scan needs exactly one of --policy FILE or --csp STRING'))
  t.ok(
    lines.includes(
      `tagwarden: ${join(dir, 'many.html')}: 1 more violation not listed (see --max-violations)`,
    ),
  )
  t.ok(lines.includes('tagwarden: proxy needs --target URL or --config FILE'))
  t.ok(lines.some((line) => /^tagwarden: img-src: data:image\/png;base64,AAAA: .*learned "data:"/.test(line)))
})

t.test('--url notaurl is named as --url, for scan and learn', async (t) => {
  const dir = t.testdir({ 'page.html': '<p>hi' })
  for (const command of [['scan', '--csp', NO_IMAGES], ['learn']]) {
    for (const url of command[0] === 'scan' ? ['notaurl', '/shop/'] : ['notaurl']) {
      const r = await tagwarden([...command, '--url', url, join(dir, 'page.html')])
      t.same(
        r,
        {
          status: 2,
          stdout: '',
          stderr: `tagwarden: --url: expected an absolute URL (e.g. https://shop.example/), got ${JSON.stringify(url)}\n`,
        },
        `${command[0]} --url ${url}`,
      )
    }
  }
})
