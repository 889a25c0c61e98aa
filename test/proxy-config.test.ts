import { join } from 'node:path'
import t from 'tap'
import { ConfigError, PolicyError, parsePolicy } from '../src/index.js'
import { createProxy, loadProxyConfig } from '../src/entries/proxy.js'
import { parseListen } from '../src/proxy/listen.js'

const EXAMPLES = join(import.meta.dirname, '..', 'examples', 'policies')
const policy = parsePolicy({ directives: { 'default-src': ["'self'"] } })

t.test('the example multi-site configuration loads', async (t) => {
  const config = await loadProxyConfig(join(EXAMPLES, 'proxy.yaml'))
  t.same(
    config.sites.map((s) => [s.name, s.hosts, s.action]),
    [
      ['shop', ['shop.example', 'www.shop.example'], undefined],
      ['blog', ['*.blog.example'], 'report'],
      ['docs', ['docs.example'], undefined],
    ],
  )
  t.equal(
    config.sites[0]!.policy.origin,
    join(EXAMPLES, 'strict.yaml'),
    'policy paths are relative to the config file',
  )
  t.ok(config.sites[1]!.policy.directiveSet.directives.has('frame-src'), 'a CSP-string policy file')
  t.equal(
    config.sites[2]!.policy.origin,
    `${join(EXAMPLES, 'proxy.yaml')}: sites[2].policy`,
    'an inline policy',
  )
  t.match(config.blockPage, '{{requestId}}')
  t.equal(config.listen, '127.0.0.1:8080')
  t.same(config.timeouts, { connect: 5000, response: 30000, shutdown: 10000 })
})

t.test('JSON, a top-level policy, --policy as the fallback, a numeric listen', async (t) => {
  const dir = t.testdir({
    'p.json': JSON.stringify({ action: 'report', directives: { 'img-src': ['https:'] } }),
    'a.json': JSON.stringify({
      listen: 8081,
      policy: './p.json',
      sites: [{ name: 'a', hosts: ['*'], target: 'http://127.0.0.1:1' }],
    }),
    'b.yml': 'sites:\n  - { name: b, hosts: ["*"], target: "https://127.0.0.1:2" }\n',
  })
  const a = await loadProxyConfig(join(dir, 'a.json'))
  t.equal(a.sites[0]!.policy.action, 'report')
  t.equal(a.listen, '8081')
  const b = await loadProxyConfig(join(dir, 'b.yml'), { policy })
  t.equal(b.sites[0]!.policy, policy)
})

t.test('errors name the file, the field and what was expected', async (t) => {
  const dir = t.testdir({
    'p.json': JSON.stringify({ directives: { 'default-src': ["'self'"] } }),
    'noname.yaml': 'policy: ./p.json\nsites:\n  - { hosts: ["*"], target: "http://127.0.0.1:1" }\n',
    'hosts.yaml':
      'policy: ./p.json\nsites:\n  - { name: a, hosts: ["shop.example:8080"], target: "http://127.0.0.1:1" }\n',
    'workers.yaml':
      'policy: ./p.json\nworkers: 0\nsites:\n  - { name: a, hosts: ["*"], target: "http://127.0.0.1:1" }\n',
    'limits.yaml':
      'policy: ./p.json\nsites:\n  - { name: a, hosts: ["*"], target: "http://127.0.0.1:1", limits: { maxHeldBytes: -1 } }\n',
    'missing-policy.yaml':
      'policy: ./nope.json\nsites:\n  - { name: a, hosts: ["*"], target: "http://127.0.0.1:1" }\n',
    'page.yaml':
      'policy: ./p.json\nblockPage: ./nope.html\nsites:\n  - { name: a, hosts: ["*"], target: "http://127.0.0.1:1" }\n',
    'empty.yaml': 'sites: []\n',
    'list.json': '[{"name": "shop"}]',
    'bad.json': '{ sites: ',
  })
  const cases: [string, RegExp, string?][] = [
    ['noname.yaml', /noname\.yaml: sites\[0\]\.name: missing; expected a name of letters/, 'sites[0].name'],
    [
      'hosts.yaml',
      /hosts\.yaml: sites\[0\]\.hosts\[0\]: expected a host name \(shop\.example\), \*\.shop\.example or \*, without a port, got "shop\.example:8080"$/,
      'sites[0].hosts[0]',
    ],
    ['workers.yaml', /workers\.yaml: workers: expected a whole number from 1 to 64, got 0$/, 'workers'],
    ['limits.yaml', /limits\.yaml: sites\[0\]\.limits\.maxHeldBytes: expected a positive number, got -1$/],
    ['page.yaml', /page\.yaml: blockPage: cannot read .*nope\.html/, 'blockPage'],
    [
      'empty.yaml',
      /empty\.yaml: sites: expected a list of sites, each \{ name, hosts, target, policy \}, got an empty list$/,
      'sites',
    ],
    ['list.json', /list\.json: expected a configuration object with "sites", got a list of 1$/],
    ['bad.json', /bad\.json: expected JSON: /],
  ]
  for (const [file, message, field] of cases) {
    const error = await loadProxyConfig(join(dir, file)).catch((e: ConfigError) => e)
    t.type(error, ConfigError, file)
    t.match((error as Error).message, message)
    if (field) t.equal((error as ConfigError).field, field)
  }
  const missing = (await loadProxyConfig(join(dir, 'missing-policy.yaml')).catch((e: Error) => e)) as Error
  t.match(
    missing.message,
    /policy: cannot read the policy file "\.\/nope\.json" \(a string is read as a file path, relative to the configuration\): no such file/,
    "a policy file's own error, naming the reading",
  )
  t.notOk(missing instanceof PolicyError)
})

t.test('createProxy rejects bad options with a ConfigError naming the field', async (t) => {
  const site = { name: 'a', target: 'http://127.0.0.1:1', policy }
  const cases: [Parameters<typeof createProxy>[0], RegExp][] = [
    [{ sites: [] }, /^sites: expected at least one site$/],
    [{ sites: [site, site] }, /^sites\[1\]\.name: expected a name no other site has, got "a"$/],
    [{ sites: [{ ...site, name: 'a b' }] }, /^sites\[0\]\.name: expected a name of letters/],
    [{ sites: [{ ...site, target: 'http://u:p@x/' }] }, /^sites\[0\]\.target: expected an origin only/],
    [
      { sites: [{ ...site, limits: { maxTokenBytes: 0 } }] },
      /^sites\[0\]\.limits\.maxTokenBytes: expected a positive number, got 0$/,
    ],
    [
      { sites: [site], timeouts: { connect: 1.5 } },
      /^timeouts\.connect: expected a positive whole number of milliseconds, got 1\.5$/,
    ],
    [{ sites: [site], listen: '1.2.3.4:99999' }, /^listen: expected \[HOST:\]PORT/],
    [
      {
        sites: [
          { ...site, hosts: ['*'] },
          { ...site, name: 'b', hosts: ['*'] },
        ],
      },
      /^sites\[1\]\.hosts\[0\]: expected "\*" on one site only/,
    ],
  ]
  for (const [options, message] of cases)
    t.throws(() => createProxy(options), { name: 'ConfigError', message })
})

t.test('[HOST:]PORT', async (t) => {
  t.same(parseListen('8080'), { host: '127.0.0.1', port: 8080 })
  t.same(parseListen('0.0.0.0:0'), { host: '0.0.0.0', port: 0 })
  t.same(parseListen('[::1]:9464'), { host: '::1', port: 9464 })
  t.same(parseListen('localhost:80'), { host: 'localhost', port: 80 })
  for (const bad of ['', ':80', 'host:', 'a:b', '70000', 'http://x:1'])
    t.type(parseListen(bad), 'string', bad)
})
