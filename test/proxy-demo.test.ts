/** `npm run demo` (examples/demo.ts) shows the real proxy passing the clean page and blocking the injected one. */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'

t.test('the demo', async (t) => {
  const demo = join(import.meta.dirname, '..', 'examples', 'demo.ts')
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', demo])
  t.match(
    stdout,
    /^tagwarden proxy http:\/\/127\.0\.0\.1:\d+ -> origin http:\/\/127\.0\.0\.1:\d+ \(block\)\n/,
  )
  t.match(stdout, '\nGET / -> 200 (204 characters)\n')
  t.match(
    stdout,
    /\nGET \/injected -> 502 \(\d+ characters\)\n {2}violation: frame-src <iframe src="http:\/\/attacker\.example\/exploit"> at 4:89\n/,
  )
  t.match(
    stdout,
    '/metrics: tagwarden_violations_total{site="shop",directive="frame-src",action="blocked"} 1\n',
  )
})
