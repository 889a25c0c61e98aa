import t from 'tap'
import * as errors from '../src/errors.js'

// One row per error class: the code and name it must carry, so codes never drift silently.
const table: [new () => errors.TagwardenError, string, string][] = [
  [errors.TagwardenError, 'TW_ERR_INTERNAL', 'TagwardenError'],
  [errors.BlockedError, 'TW_ERR_BLOCKED', 'BlockedError'],
  [errors.LimitError, 'TW_ERR_LIMIT', 'LimitError'],
  [errors.PolicyError, 'TW_ERR_POLICY', 'PolicyError'],
  [errors.UnsupportedPolicyError, 'TW_ERR_POLICY_UNSUPPORTED', 'UnsupportedPolicyError'],
  [errors.InvalidOptionError, 'TW_ERR_INVALID_OPTION', 'InvalidOptionError'],
  [errors.UnsupportedEncodingError, 'TW_ERR_UNSUPPORTED_ENCODING', 'UnsupportedEncodingError'],
  [errors.ContentDecodingError, 'TW_ERR_CONTENT_DECODING', 'ContentDecodingError'],
  [errors.AbortedError, 'TW_ERR_ABORTED', 'AbortedError'],
  [errors.IoError, 'TW_ERR_IO', 'IoError'],
  [errors.UsageError, 'TW_ERR_USAGE', 'UsageError'],
  [errors.ConfigError, 'TW_ERR_CONFIG', 'ConfigError'],
  [errors.UpstreamError, 'TW_ERR_UPSTREAM', 'UpstreamError'],
  [errors.ProbeError, 'TW_ERR_PROBE', 'ProbeError'],
  [errors.ProbeTargetError, 'TW_ERR_PROBE_TARGET', 'ProbeTargetError'],
]

for (const [ErrorClass, code, name] of table) {
  t.test(name, async (t) => {
    const err = new ErrorClass()
    t.ok(err instanceof errors.TagwardenError, 'is a TagwardenError')
    t.ok(err instanceof Error, 'is an Error')
    t.equal(err.code, code)
    t.equal(err.name, name)
    t.ok(err.message.length > 0, 'has a default message')
  })
}

t.test('every exported error class is in the table', async (t) => {
  const exported = Object.values(errors).filter((v) => typeof v === 'function')
  t.same(new Set(exported), new Set(table.map(([c]) => c)))
})

t.test('details are kept', async (t) => {
  const p = new errors.PolicyError('bad', { file: 'p.yaml', field: 'directives.script-src' })
  t.equal(p.file, 'p.yaml')
  t.equal(p.field, 'directives.script-src')
  t.equal(new errors.LimitError('x', 'maxHeldBytes').limit, 'maxHeldBytes')
})
