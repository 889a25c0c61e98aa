/**
 * One probe: fetch the target as a visitor would, inspect the page with the policy exactly as the
 * proxy does, then fetch and hash the pinned resources it references. From outside the network the
 * origin is in, this is the only view that sees what was done to the page after the last hop the
 * operator controls.
 */
import { performance } from 'node:perf_hooks'
import { ProbeError } from '../errors.js'
import { isInspectedType } from '../inspect/core.js'
import { inspectHtml } from '../inspect/inspect-html.js'
import { MAX_RECORDED_VIOLATIONS, type Verdict } from '../inspect/verdict.js'
import { allows } from '../policy/match.js'
import { directivesForPath } from '../policy/routes.js'
import { judgedHeaders } from '../proxy/headers.js'
import { boundedBody, fetchFollowing, probeError, zeroPhases, type Fetched } from './fetch.js'
import type { ResolvedProbeSettings } from './options.js'
import { checkPins, PinCandidates } from './pins.js'
import type { ProbeResult, ProbeViolation } from './result.js'
import type { TargetChoice } from './targets.js'

export interface RunProbeOptions {
  settings: ResolvedProbeSettings
  /** Whether a redirect may go to this URL (the configuration's allowlist). */
  allowRedirect: (url: URL) => boolean
  /** The whole probe's budget in ms. Default `settings.timeout`. */
  timeout?: number
  /** Cancels the probe (the scrape went away); its reason becomes the failure. */
  signal?: AbortSignal
  /** Milliseconds already spent (queueing) before this call: counted in `total` and the budget. */
  waited?: number
  /** Each violation as it is found (for logging). */
  onViolation?: (violation: ProbeViolation) => void
  /** The page's inspection verdict, when it was inspected (the exporter counts it). */
  onVerdict?: (verdict: Verdict) => void
}

/** Run one probe. Never throws for what the network or the page does: that is in the result. */
export async function runProbe(choice: TargetChoice, options: RunProbeOptions): Promise<ProbeResult> {
  const started = performance.now() - (options.waited ?? 0)
  const { settings } = options
  const budget = Math.max(0, (options.timeout ?? settings.timeout) - (options.waited ?? 0))
  const controller = new AbortController()
  const timer = setTimeout(
    () =>
      controller.abort(
        new ProbeError(`timed out after ${options.timeout ?? settings.timeout} ms`, 'timeout'),
      ),
    budget,
  )
  const cancel = () => controller.abort(probeError(options.signal!.reason))
  options.signal?.addEventListener('abort', cancel, { once: true })
  if (options.signal?.aborted) cancel()

  const phases = zeroPhases()
  const result: ProbeResult = {
    target: choice.url.href,
    url: choice.url.href,
    site: choice.site,
    success: false,
    status: 0,
    bodyBytes: 0,
    redirects: 0,
    seconds: { dns: 0, connect: 0, tls: 0, first_byte: 0, total: 0 },
    violations: [],
    violationCount: 0,
    violationsByDirective: {},
    pins: { checked: 0, mismatched: 0, unchecked: 0 },
  }
  const record = (violation: ProbeViolation) => {
    result.violationCount++
    result.violationsByDirective[violation.directive] =
      (result.violationsByDirective[violation.directive] ?? 0) + 1
    if (result.violations.length < MAX_RECORDED_VIOLATIONS) result.violations.push(violation)
    options.onViolation?.(violation)
  }
  const headers = {
    'user-agent': settings.userAgent,
    accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
    'accept-encoding': 'gzip, deflate, br',
  }
  let fetched: Fetched | undefined
  try {
    fetched = await fetchFollowing({
      url: choice.url,
      headers,
      maxRedirects: settings.maxRedirects,
      allowRedirect: options.allowRedirect,
      signal: controller.signal,
      phases,
    })
    result.url = fetched.url.href
    result.status = fetched.status
    result.redirects = fetched.redirects
    if (fetched.status < 200 || fetched.status > 299) {
      throw new ProbeError(`HTTP status ${fetched.status}`, 'http_status')
    }
    const judged = judgedHeaders(fetched.body)
    const contentType = judged['content-type']
    if (!isInspectedType(contentType)) {
      throw new ProbeError(`not HTML: Content-Type ${JSON.stringify(contentType)}`, 'not_html')
    }
    const url = fetched.url
    const directives = directivesForPath(choice.policy, url.pathname)
    const candidates = new PinCandidates(choice.policy.pins)
    const verdict = await inspectHtml(
      boundedBody(fetched.body, settings.maxBodyBytes, (n) => (result.bodyBytes += n)),
      {
        policy: choice.policy,
        url,
        headers: judged,
        limits: choice.limits,
        onViolation: (v) => record(v),
        onFinding: (finding) => candidates.add(finding, allows(directives, finding.ref, url)),
      },
    )
    options.onVerdict?.(verdict)
    if (verdict.status === 'skipped' || verdict.status === 'error') {
      const bomb = verdict.limit === 'maxDecodedBytes' || verdict.limit === 'maxInflationRatio'
      throw new ProbeError(
        `not inspected to the end: ${verdict.error?.message ?? verdict.reason ?? verdict.status}`,
        bomb ? 'body_too_large' : 'not_inspected',
        { cause: verdict.error },
      )
    }
    if (candidates.size > 0) {
      const pins = await checkPins(candidates, {
        headers,
        maxPins: settings.maxPins,
        maxPinBytes: settings.maxPinBytes,
        maxRedirects: settings.maxRedirects,
        signal: controller.signal,
      })
      result.pins = { checked: pins.checked, mismatched: pins.mismatched, unchecked: pins.unchecked }
      for (const violation of pins.violations) record(violation)
    }
    result.success = result.violationCount === 0
  } catch (error) {
    // An abort reaches the body as the controller's reason; anything else is classified.
    const failure = controller.signal.aborted ? probeError(controller.signal.reason) : probeError(error)
    result.failure = failure.reason
    result.error = failure
    result.success = false
    fetched?.body.destroy()
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', cancel)
  }
  result.seconds = {
    dns: phases.dns,
    connect: phases.connect,
    tls: phases.tls,
    first_byte: phases.firstByte,
    total: (performance.now() - started) / 1000,
  }
  return result
}
