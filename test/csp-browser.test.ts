/**
 * The CSP header tagwarden derives from a policy, and the browser reports it accepts (issue 14):
 * the header means what the policy means for the directives tagwarden checks, and nothing for the
 * ones it does not; both report formats parse to the same record; anything else is refused.
 */
import t from 'tap'
import { directivesForPath, parsePolicy } from '../src/index.js'
import { cspHeaderValue, reportingEndpointsValue } from '../src/proxy/csp-header.js'
import { parseBrowserReports, ReportError } from '../src/proxy/csp-reports.js'

const REPORT = '/.well-known/tagwarden/csp-report'
const HASH = `'sha256-${'A'.repeat(43)}='`

t.test('the header spells out each checked directive with the list that governs it', async (t) => {
  const policy = parsePolicy({
    directives: {
      'default-src': ["'self'"],
      'script-src': ["'self'", 'https://cdn.example/js/', HASH],
      'child-src': ['https://player.example'],
      'form-action': [],
      'connect-src': ['https://api.example'],
    },
    routes: [{ path: '/embed/*', directives: { 'frame-src': ['*'] } }],
  })
  t.equal(
    cspHeaderValue(directivesForPath(policy, '/'), REPORT),
    `script-src-elem 'self' https://cdn.example/js/ ${HASH}; ` +
      `script-src-attr 'self' https://cdn.example/js/ ${HASH}; ` +
      "style-src-elem 'self'; style-src-attr 'self'; img-src 'self'; frame-src https://player.example; " +
      `object-src 'self'; form-action 'none'; report-uri ${REPORT}; report-to tagwarden`,
    'default-src never written (it would govern connect-src, fonts …); base-uri unset allows all',
  )
  t.match(
    cspHeaderValue(directivesForPath(policy, '/embed/x'), REPORT),
    /; frame-src \*; /,
    'a route applies',
  )
  t.equal(reportingEndpointsValue('https://shop.example/r'), 'tagwarden="https://shop.example/r"')
})

t.test('both report formats give the same record; the directive label is from the fixed set', async (t) => {
  const legacy = parseBrowserReports(
    'application/csp-report',
    Buffer.from(
      JSON.stringify({
        'csp-report': {
          'document-uri': 'https://shop.example/cart',
          'violated-directive': 'frame-src https://player.example',
          'effective-directive': 'frame-src',
          'blocked-uri': 'https://evil.example/x',
          disposition: 'report',
        },
      }),
    ),
  )
  const modern = parseBrowserReports(
    'application/reports+json',
    Buffer.from(
      JSON.stringify([
        { type: 'deprecation', body: {} },
        {
          type: 'csp-violation',
          url: 'https://shop.example/cart',
          body: {
            documentURL: 'https://shop.example/cart',
            effectiveDirective: 'frame-src',
            blockedURL: 'https://evil.example/x',
            disposition: 'report',
          },
        },
      ]),
    ),
  )
  const want = {
    directive: 'frame-src',
    documentUrl: 'https://shop.example/cart',
    blockedUrl: 'https://evil.example/x',
    disposition: 'report',
  }
  t.same(legacy, [want])
  t.same(modern, [want], 'other report types on the endpoint are left aside')
  const older = parseBrowserReports(
    'application/csp-report',
    Buffer.from('{"csp-report":{"violated-directive":"connect-src https://api.example","blocked-uri":"x"}}'),
  )
  t.equal(older[0]!.directive, 'other', 'no effective-directive: the violated one, outside the set: other')
})

t.test('what is not a report is refused', async (t) => {
  const bad: [string | undefined, string, RegExp][] = [
    ['text/plain', '{}', /expected application\/csp-report/],
    [undefined, '{}', /expected application\/csp-report/],
    ['application/csp-report', 'not json', /expected a JSON body/],
    ['application/csp-report', '{"csp-report": 1}', /expected \{"csp-report"/],
    ['application/csp-report', '{"csp-report": {}}', /expected the violated directive/],
    ['application/reports+json', '[1]', /expected reports with a "type"/],
    ['application/reports+json', '[{"type":"csp-violation"}]', /"body" object/],
    ['application/reports+json', JSON.stringify(Array(101).fill({ type: 'x' })), /at most 100 reports/],
  ]
  for (const [type, body, message] of bad) {
    const error = (() => {
      try {
        parseBrowserReports(type, Buffer.from(body))
      } catch (e) {
        return e
      }
    })()
    t.type(error, ReportError, `${type}: ${body.slice(0, 30)}`)
    t.match((error as Error).message, message)
  }
})
