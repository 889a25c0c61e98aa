/**
 * What `tagwarden scan` prints, for someone meeting it for the first time (issue 12, item 6): quiet
 * EPIPE, one finding per line, directories, a summary (progress only on a terminal), and
 * --max-violations. Every case runs the real CLI.
 */
import { spawn, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { MAIN, tagwarden } from './helpers/cli.js'

const ROOT = join(import.meta.dirname, '..')
const NO_IMAGES = "img-src 'none'"

/** A page with `n` images, each its own violation of NO_IMAGES, one per line. */
function images(n: number): string {
  return Array.from({ length: n }, (_, i) => `<img src="https://img.example/${i}.png">\n`).join('')
}

t.test(
  'scan | head -1: a reader that stops early ends the scan quietly, with the status reached',
  async (t) => {
    // Far more output than any pipe buffers, so the CLI is still writing when the reader leaves.
    const dir = t.testdir({ 'big.html': images(40_000) })
    const args = ['scan', '--csp', NO_IMAGES, '--max-violations', '100000', join(dir, 'big.html')]
    const child = spawn(process.execPath, [MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d))
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
    const first = await new Promise<string>((resolve) => {
      child.stdout.once('data', (d: Buffer) => {
        child.stdout.destroy() // as `head -1` exits after its line
        resolve(String(d))
      })
      child.stdout.once('end', () => resolve('')) // nothing written at all
    })
    t.equal(
      first.split('\n')[0],
      `${join(dir, 'big.html')}:1:37: img-src: <img src="https://img.example/0.png">`,
      'it was writing violations',
    )
    t.equal(await closed, 1, 'exit 1: violations were found (not a crash, not 0)')
    t.equal(stderr, '', 'no stack trace, no summary')
  },
)

t.test('text output is one violation per line, whatever the values and file names hold', async (t) => {
  const page =
    '<p>\n<img src="https://evil.example/a\nb.png" onclick="x()\n y()">\n<iframe src="https://x.example/\x1b[31mred\t">'
  const dir = t.testdir({ 'new\nline.html': page })
  const file = join(dir, 'new\nline.html')
  const shown = file.replace('\n', '\\n')
  const text = await tagwarden(['scan', '--csp', "default-src 'none'", file])
  t.equal(text.status, 1)
  t.equal(
    text.stdout,
    `${shown}:4:6: img-src: <img src="https://evil.example/a\\nb.png"> (https://evil.example/ab.png)\n` +
      `${shown}:4:6: script-src-attr: <img onclick="x()\\n y()">\n` +
      `${shown}:5:42: frame-src: <iframe src="https://x.example/\\u001b[31mred\\t"> (https://x.example/%1B[31mred)\n`,
  )
  const json = await tagwarden(['scan', '--csp', "default-src 'none'", '--json', file])
  const count = json.stdout.trimEnd().split('\n').length
  t.equal(count, 3, 'three violations')
  t.equal(text.stdout.match(/\n/g)?.length, count, '`wc -l` counts them')
})

t.test('scan DIR: every .html/.htm file under it, sorted; links to directories not followed', async (t) => {
  const page = (n: number) => `<iframe src="https://frames.example/${n}"></iframe>`
  const dir = t.testdir({
    site: {
      'index.html': page(1),
      'about.HTM': page(2),
      'alias.html': t.fixture('symlink', 'index.html'),
      'broken.html': t.fixture('symlink', 'nowhere.html'),
      loop: t.fixture('symlink', '.'),
      up: t.fixture('symlink', '..'),
      'notes.txt': page(3),
      a: { deep: { 'x.html': page(4) } },
      b: { 'page.html': page(5) },
      empty: {},
    },
    'no-pages': { 'readme.txt': page(6), css: { 'site.css': '' } },
    'single.html': page(7),
  })
  const site = join(dir, 'site')
  const r = await tagwarden(['scan', '--csp', "frame-src 'none'", site, join(dir, 'single.html')])
  t.equal(r.status, 1)
  t.same(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((line) => line.slice(0, line.indexOf(':'))),
    [
      join(site, 'a', 'deep', 'x.html'),
      join(site, 'about.HTM'),
      join(site, 'alias.html'),
      join(site, 'b', 'page.html'),
      join(site, 'index.html'),
      join(dir, 'single.html'),
    ],
  )
  t.equal(r.stderr, 'tagwarden: 6 files scanned, 6 violations in 6 files\n')

  const learned = await tagwarden(['learn', site])
  t.equal(learned.status, 0, learned.stderr)
  t.same((JSON.parse(learned.stdout) as { directives: Record<string, string[]> }).directives['frame-src'], [
    'https://frames.example/1',
    'https://frames.example/2',
    'https://frames.example/4',
    'https://frames.example/5',
  ])

  const none = await tagwarden(['scan', '--csp', "frame-src 'none'", join(dir, 'no-pages')])
  t.same(none, {
    status: 2,
    stdout: '',
    stderr: `tagwarden: ${join(dir, 'no-pages')}: no .html or .htm files in this directory\n`,
  })
})

t.test('a summary on stderr, and no progress line when stderr is not a terminal', async (t) => {
  const pages: Record<string, string> = {}
  for (let i = 0; i < 25; i++) pages[`p${String(i).padStart(2, '0')}.html`] = i % 10 === 0 ? images(2) : '<p>'
  const dir = t.testdir(pages)
  const many = await tagwarden(['scan', '--csp', NO_IMAGES, dir])
  t.equal(many.status, 1)
  t.equal(many.stderr, 'tagwarden: 25 files scanned, 6 violations in 3 files\n', 'the summary alone')
  const clean = await tagwarden(['scan', '--csp', NO_IMAGES, '-'], '<p>clean')
  t.same(clean, { status: 0, stdout: '', stderr: 'tagwarden: 1 file scanned, no violations\n' })
})

// script(1) is util-linux's (Debian's bsdutils, an essential package: always installed).
t.test('on a terminal, a long scan shows its progress on stderr', async (t) => {
  const pages: Record<string, string> = {}
  for (let i = 0; i < 25; i++) pages[`p${String(i).padStart(2, '0')}.html`] = images(1)
  const dir = t.testdir(pages)
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
  const command = [process.execPath, MAIN, 'scan', '--csp', NO_IMAGES, dir].map(quote)
  // script(1) runs the command on a pseudo-terminal; stdout goes to /dev/null, stderr to the terminal.
  const r = spawnSync('script', ['-qec', `${command.join(' ')} >/dev/null`, '/dev/null'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.equal(r.status, 1, r.stderr)
  t.ok(r.stdout.includes('\r\x1b[Ktagwarden: scanning: '), 'a line redrawn in place (CR, erase line)')
  t.match(r.stdout, /tagwarden: scanning: \d+\/25 files, \d+ violations?/)
  t.match(r.stdout, /tagwarden: 25 files scanned, 25 violations in 25 files\r?\n/)
})

t.test('--max-violations N lists up to N per file (default 100); all are counted', async (t) => {
  const dir = t.testdir({ 'page.html': images(150) })
  const file = join(dir, 'page.html')
  const lines = (stdout: string) => stdout.trimEnd().split('\n').length

  const capped = await tagwarden(['scan', '--csp', NO_IMAGES, file])
  t.equal(capped.status, 1)
  t.equal(lines(capped.stdout), 100)
  t.equal(
    capped.stderr,
    `tagwarden: ${file}: 50 more violations not listed (see --max-violations)\n` +
      'tagwarden: 1 file scanned, 150 violations in 1 file\n',
  )
  const all = await tagwarden(['scan', '--csp', NO_IMAGES, '--max-violations', '150', file])
  t.equal(lines(all.stdout), 150)
  t.equal(all.stderr, 'tagwarden: 1 file scanned, 150 violations in 1 file\n')
  const json = await tagwarden(['scan', '--csp', NO_IMAGES, '--json', '--max-violations', '1000', file])
  t.equal(lines(json.stdout), 150)
  const few = await tagwarden(['scan', '--csp', NO_IMAGES, '--max-violations', '3', file])
  t.equal(lines(few.stdout), 3)

  for (const bad of ['0', '1.5', 'ten']) {
    const r = await tagwarden(['scan', '--csp', NO_IMAGES, `--max-violations=${bad}`, file])
    t.same(
      r,
      {
        status: 2,
        stdout: '',
        stderr: `tagwarden: --max-violations: expected a whole number of at least 1, got ${JSON.stringify(bad)}\n`,
      },
      `--max-violations=${bad}`,
    )
  }
})
