import t from 'tap'
import { parsePolicy } from '../src/policy/load.js'
import { compileGlob, directivesForPath, normalisePath } from '../src/policy/routes.js'

t.test('* matches within one segment, ** across segments', async (t) => {
  const rows: [string, string, boolean][] = [
    ['/embed/*', '/embed/x', true],
    ['/embed/*', '/embed/', true],
    ['/embed/*', '/embed/x.html', true],
    ['/embed/*', '/embed', false],
    ['/embed/*', '/embed/x/y', false],
    ['/embed/*', '/embedx/y', false],
    ['/embed/*', '/other/embed/x', false],
    ['/docs/**', '/docs/a/b/c', true],
    ['/docs/**', '/docs/', true],
    ['/docs/**', '/docs', false],
    ['/a/**/b', '/a/b', true],
    ['/a/**/b', '/a/x/b', true],
    ['/a/**/b', '/a/x/y/b', true],
    ['/a/**/b', '/a/xb', false],
    ['/a/**/b', '/a/x/b/c', false],
    ['/**', '/', true],
    ['/**', '/any/thing', true],
    ['/*.html', '/index.html', true],
    ['/*.html', '/dir/index.html', false],
    ['/a.b/*', '/axb/c', false], // "." is literal
    ['/a+(b)/*', '/a+(b)/c', true], // so are other regular-expression characters
    ['/exact', '/exact', true],
    ['/exact', '/exact/', false],
    ['/exact', '/EXACT', false],
  ]
  for (const [glob, path, expected] of rows) {
    t.equal(compileGlob(glob).test(normalisePath(path)), expected, `${glob} ~ ${path} -> ${expected}`)
  }
})

t.test('paths are normalised as a server reads them', async (t) => {
  t.equal(normalisePath('/embed/x?q=1#f'), '/embed/x', 'query and fragment dropped')
  t.equal(normalisePath('/embed/../admin/x'), '/admin/x', 'dot segments resolved')
  t.equal(normalisePath('/embed\\x'), '/embed/x', 'backslash is a slash')
  t.equal(normalisePath('/%65mbed/%7e/%2f/%2F'), '/embed/~/%2F/%2F', 'unreserved decoded, others upper-cased')
  t.equal(normalisePath('/café'), '/caf%C3%A9', 'non-ASCII percent-encoded')
  t.equal(normalisePath('embed'), '/embed')
})

t.test('directivesForPath: the first matching route wins, else the policy', async (t) => {
  const policy = parsePolicy({
    directives: { 'frame-src': ["'none'"] },
    routes: [
      { path: '/embed/special', directives: { 'frame-src': ['https://special.example/'] } },
      { path: '/embed/*', directives: { 'frame-src': ['https://player.example/'] } },
      { path: '/embed/**', directives: { 'frame-src': ['https://deep.example/'] } },
    ],
  })
  const frames = (path: string) => directivesForPath(policy, path).directives.get('frame-src')?.expressions
  t.same(frames('/embed/special'), ['https://special.example/'])
  t.same(frames('/embed/x'), ['https://player.example/'])
  t.same(frames('/embed/x?autoplay=1'), ['https://player.example/'])
  t.same(frames('/%65mbed/x'), ['https://player.example/'], 'an encoded path cannot step around a route')
  t.same(frames('/embed/x/y'), ['https://deep.example/'])
  t.same(frames('/other'), ["'none'"])
  t.equal(directivesForPath(policy, '/other'), policy.directiveSet)
  t.equal(directivesForPath(policy, '/embed/x'), policy.routes[1]!.directiveSet)
})
