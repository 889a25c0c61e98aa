import t from 'tap'
import { ConfigError, UpstreamError } from '../src/index.js'
import { upstreamError } from '../src/proxy/errors.js'

t.test('details are kept', async (t) => {
  const c = new ConfigError('bad', { file: 'proxy.yaml', field: 'sites[0].target' })
  t.equal(c.file, 'proxy.yaml')
  t.equal(c.field, 'sites[0].target')
  t.equal(new UpstreamError('x', 'timeout').kind, 'timeout')
})

t.test('node errors are classified into the fixed kinds', async (t) => {
  const kinds: [string, string][] = [
    ['ECONNREFUSED', 'refused'],
    ['ECONNRESET', 'reset'],
    ['EPIPE', 'reset'],
    ['ETIMEDOUT', 'timeout'],
    ['ENOTFOUND', 'dns'],
    ['EAI_AGAIN', 'dns'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls'],
    ['HPE_INVALID_CONSTANT', 'protocol'],
    ['EWHATEVER', 'other'],
  ]
  for (const [code, kind] of kinds) {
    const e = upstreamError(Object.assign(new Error('boom'), { code }))
    t.equal(e.kind, kind, code)
    t.equal(e.code, 'TW_ERR_UPSTREAM')
    t.match(e.message, `upstream ${kind}: boom (${code})`)
  }
  const timeout = new UpstreamError('slow', 'timeout')
  t.equal(upstreamError(timeout), timeout, 'an UpstreamError is kept as it is')
})
