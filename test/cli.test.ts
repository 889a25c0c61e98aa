import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { tagwarden } from './helpers/cli.js'

const CLEAN = '<!doctype html><script src="/app.js"></script><img src="https://img.example/a.png"><p>hi</p>'
const DIRTY =
  '<!doctype html><p>hi</p>\n<iframe src="http://evil.example/x"></iframe><script>steal()</script>'

t.test('scan: exit 0 clean, 1 with violations, JSON lines', async (t) => {
  const dir = t.testdir({
    'clean.html': CLEAN,
    'dirty.html': DIRTY,
    'policy.yaml':
      'action: block\ndirectives:\n  default-src: ["\'self\'"]\n  img-src: ["https://img.example"]\n',
  })
  const clean = await tagwarden(['scan', '--policy', join(dir, 'policy.yaml'), join(dir, 'clean.html')])
  t.equal(clean.status, 0, clean.stderr)
  t.equal(clean.stdout, '')

  const dirty = await tagwarden([
    'scan',
    '--policy',
    join(dir, 'policy.yaml'),
    '--json',
    join(dir, 'clean.html'),
    join(dir, 'dirty.html'),
  ])
  t.equal(dirty.status, 1, dirty.stderr)
  const lines = dirty.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  t.same(lines, [
    {
      file: join(dir, 'dirty.html'),
      directive: 'frame-src',
      element: 'iframe',
      attribute: 'src',
      value: 'http://evil.example/x',
      url: 'http://evil.example/x',
      line: 2,
      column: 36,
    },
    {
      file: join(dir, 'dirty.html'),
      directive: 'script-src-elem',
      element: 'script',
      attribute: null,
      value: 'steal()',
      url: null,
      line: 2,
      column: 53,
    },
  ])
})

t.test('scan: stdin, --csp, --url and --content-type', async (t) => {
  const page = '<script src="https://shop.example/app.js"></script>'
  const self = await tagwarden(['scan', '--csp', "script-src 'self'", '--url', 'https://shop.example/'], page)
  t.equal(self.status, 0, "'self' is the --url origin")
  const other = await tagwarden(
    ['scan', '--csp', "script-src 'self'", '--url', 'https://other.example/', '-'],
    page,
  )
  t.equal(other.status, 1)
  t.match(other.stdout, /<stdin>:1:42: script-src-elem: <script src="https:\/\/shop\.example\/app\.js">/)

  // Shift_JIS bytes for <iframe src="/日本"> are only an iframe to a decoder told the charset.
  const sjis = Buffer.concat([
    Buffer.from('<iframe src="//x.example/'),
    Buffer.from([0x93, 0xfa, 0x96, 0x7b]),
    Buffer.from('">'),
  ])
  const judged = await tagwarden(
    ['scan', '--csp', "frame-src 'none'", '--json', '--content-type', 'text/html; charset=shift_jis'],
    sjis,
  )
  t.equal(judged.status, 1)
  t.equal((JSON.parse(judged.stdout) as { url: string }).url, 'http://x.example/%E6%97%A5%E6%9C%AC')
})

t.test('scan: usage, policy and I/O errors exit 2 with one line', async (t) => {
  const dir = t.testdir({ 'bad.yaml': "directives:\n  script-src: ['https://']\n", 'page.html': CLEAN })
  for (const [args, pattern] of [
    [['scan', join(dir, 'page.html')], /exactly one of --policy FILE or --csp STRING/],
    [['scan', '--csp', "script-src 'self'", join(dir, 'missing.html')], /missing\.html: no such file/],
    [
      ['scan', '--policy', join(dir, 'bad.yaml'), join(dir, 'page.html')],
      /bad\.yaml: directives\.script-src\[0\]/,
    ],
    [['scan', '--csp', "script-src 'strict-dynamic'", join(dir, 'page.html')], /strict-dynamic/],
    [['scan', '--bogus'], /bogus/],
    [['frobnicate'], /unknown command/],
  ] as const) {
    const r = await tagwarden([...args])
    t.equal(r.status, 2, `${args.join(' ')}: exit 2`)
    t.match(r.stderr, pattern)
    t.equal(r.stderr.trim().split('\n')[0]!.length > 0, true)
  }
})

t.test('learn: a policy that allows exactly what the files contain', async (t) => {
  const dir = t.testdir({
    'a.html': '<script src="/app.js"></script><script>init()</script><img src="https://img.example/a.png">',
    'b.html': '<a href="#" onclick="go()">x</a><iframe src="https://www.youtube.com/embed/1"></iframe>',
    'c.html': '<script src="/other.js"></script>',
  })
  const learned = await tagwarden([
    'learn',
    '--url',
    'https://shop.example/',
    join(dir, 'a.html'),
    join(dir, 'b.html'),
  ])
  t.equal(learned.status, 0, learned.stderr)
  const policyFile = join(dir, 'learned.json')
  writeFileSync(policyFile, learned.stdout)
  const policy = JSON.parse(learned.stdout) as { directives: Record<string, string[]> }
  t.same(policy.directives['object-src'], ["'none'"], "'none' where nothing was seen")
  t.same(policy.directives['frame-src'], ['https://www.youtube.com/embed/1'])

  const same = await tagwarden([
    'scan',
    '--policy',
    policyFile,
    '--url',
    'https://shop.example/',
    join(dir, 'a.html'),
    join(dir, 'b.html'),
  ])
  t.equal(same.status, 0, `scan with the learned policy over the same files finds nothing: ${same.stdout}`)
  const other = await tagwarden([
    'scan',
    '--policy',
    policyFile,
    '--url',
    'https://shop.example/',
    join(dir, 'c.html'),
  ])
  t.equal(other.status, 1, 'anything else is a violation')
})

t.test('scan: an empty policy checks nothing, and says so on stderr (issue 11, defect 9)', async (t) => {
  const page = '<!doctype html><iframe src="https://evil.example/x"></iframe>'
  for (const csp of ['', 'report-uri /r']) {
    const r = await tagwarden(['scan', '--csp', csp], page)
    t.equal(r.status, 0, `--csp ${JSON.stringify(csp)}: nothing to violate`)
    t.match(r.stderr, /^tagwarden: --csp: the policy checks nothing .*: every element passes$/m)
  }
  const checked = await tagwarden(['scan', '--csp', "frame-src 'none'"], page)
  t.notMatch(checked.stderr, /checks nothing/)
})
