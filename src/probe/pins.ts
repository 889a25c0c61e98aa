/**
 * Pinned third-party content: the probe fetches the scripts and stylesheets a page references whose
 * URL the policy pins (or whose element carries `integrity=`, when the policy allows that URL) and
 * compares their bytes with the hashes. CSP allows a URL; only the bytes say whether the script
 * behind it is still the one that was reviewed (polyfill.io, 2024: the URL stayed, the code changed).
 */
import { ProbeError } from '../errors.js'
import type { Finding } from '../html/scanner.js'
import { createContentDecoder } from '../inspect/content-decoding.js'
import { truncate } from '../inspect/verdict.js'
import { pinKey } from '../policy/pins.js'
import { bytesMatch, integrityOf, parseIntegrity, strongest, type IntegrityHash } from '../policy/sri.js'
import type { Pin } from '../policy/types.js'
import { boundedBody, clip, fetchFollowing, zeroPhases } from './fetch.js'
import type { ProbeViolation } from './result.js'

/** One URL to fetch, and the elements that reference it. */
interface Candidate {
  url: URL
  pin: Pin | undefined
  elements: { finding: Finding; integrity: IntegrityHash[]; integrityText: string | undefined }[]
}

/** Collects the resources to check while the page is inspected. */
export class PinCandidates {
  readonly #byUrl = new Map<string, Candidate>()
  readonly #pins: ReadonlyMap<string, Pin> | undefined

  constructor(pins: ReadonlyMap<string, Pin> | undefined) {
    this.#pins = pins
  }

  /** `allowed`: whether the policy allows the reference (an unpinned one is checked only then). */
  add(finding: Finding, allowed: boolean): void {
    const ref = finding.ref
    if (ref.kind !== 'url' || (ref.directive !== 'script-src-elem' && ref.directive !== 'style-src-elem'))
      return
    const key = pinKey(ref.url)
    if (key === undefined) return
    const pin = this.#pins?.get(key)
    const integrity = ref.integrity === undefined ? [] : parseIntegrity(ref.integrity)
    if (pin === undefined && (integrity.length === 0 || !allowed)) return
    let candidate = this.#byUrl.get(key)
    if (candidate === undefined) this.#byUrl.set(key, (candidate = { url: new URL(key), pin, elements: [] }))
    candidate.elements.push({ finding, integrity, integrityText: ref.integrity })
  }

  get size(): number {
    return this.#byUrl.size
  }

  /** Pinned ones first: when there are more than `maxPins`, the policy's own pins are checked. */
  list(): Candidate[] {
    const all = [...this.#byUrl.values()]
    return [...all.filter((c) => c.pin !== undefined), ...all.filter((c) => c.pin === undefined)]
  }
}

export interface PinCheckOptions {
  headers: Record<string, string>
  maxPins: number
  maxPinBytes: number
  maxRedirects: number
  signal: AbortSignal
}

export interface PinCheck {
  violations: ProbeViolation[]
  checked: number
  mismatched: number
  unchecked: number
  /** URLs beyond `maxPins`, not fetched. */
  skipped: string[]
}

/** Fetch each candidate (up to `maxPins`, four at a time) and compare. A fetch failure throws `pin_fetch`. */
export async function checkPins(candidates: PinCandidates, options: PinCheckOptions): Promise<PinCheck> {
  const list = candidates.list()
  const chosen = list.slice(0, options.maxPins)
  const result: PinCheck = {
    violations: [],
    checked: 0,
    mismatched: 0,
    unchecked: list.length - chosen.length,
    skipped: list.slice(options.maxPins).map((c) => c.url.href),
  }
  for (let i = 0; i < chosen.length; i += 4) {
    const bodies = await Promise.all(chosen.slice(i, i + 4).map((c) => fetchResource(c.url, options)))
    for (const [j, bytes] of bodies.entries()) {
      const candidate = chosen[i + j]!
      result.checked++
      const found = compare(candidate, bytes)
      if (found.length > 0) result.mismatched++
      result.violations.push(...found)
    }
  }
  return result
}

/** One violation per element whose pin or integrity= the bytes do not match (the pin is reported first). */
function compare(candidate: Candidate, bytes: Buffer): ProbeViolation[] {
  const violations: ProbeViolation[] = []
  for (const { finding, integrity, integrityText } of candidate.elements) {
    let expected: { text: string; hashes: readonly IntegrityHash[] } | undefined
    if (candidate.pin !== undefined && !bytesMatch(bytes, candidate.pin.hashes)) {
      expected = { text: candidate.pin.expression, hashes: candidate.pin.hashes }
    } else if (integrity.length > 0 && !bytesMatch(bytes, integrity)) {
      expected = { text: integrityText!.trim(), hashes: integrity }
    }
    if (expected === undefined) continue
    violations.push({
      directive: 'pin',
      element: finding.element,
      attribute: finding.attribute,
      value: truncate(finding.value),
      url: candidate.url.href,
      line: finding.line,
      column: finding.column,
      expected: expected.text,
      seen: integrityOf(bytes, strongest(expected.hashes)[0]!.algorithm),
    })
  }
  return violations
}

/** The resource's bytes as a browser hashes them for SRI: the body with its Content-Encoding undone. */
export async function fetchResource(url: URL, options: Omit<PinCheckOptions, 'maxPins'>): Promise<Buffer> {
  const where = clip(url.href)
  let fetched
  try {
    fetched = await fetchFollowing({
      url,
      headers: { ...options.headers, accept: '*/*' },
      maxRedirects: options.maxRedirects,
      // The pinned URL is the operator's; where its CDN redirects is the CDN's business. Only the
      // hash comparison leaves the probe, never the bytes.
      allowRedirect: (next) => next.protocol === 'http:' || next.protocol === 'https:',
      signal: options.signal,
      phases: zeroPhases(),
    })
  } catch (error) {
    throw pinFailure(error, where)
  }
  if (fetched.status < 200 || fetched.status > 299) {
    fetched.body.destroy()
    throw new ProbeError(`pinned resource ${where}: HTTP ${fetched.status}`, 'pin_fetch')
  }
  const decoder = createContentDecoder(headerText(fetched.headers['content-encoding']), {
    maxDecodedBytes: options.maxPinBytes,
  })
  const parts: Buffer[] = []
  try {
    for await (const chunk of boundedBody(fetched.body, options.maxPinBytes, () => {})) {
      if (decoder === null) parts.push(chunk)
      else parts.push(...(await decoder.write(chunk)))
    }
    if (decoder !== null) parts.push(...(await decoder.end()))
  } catch (error) {
    decoder?.destroy()
    throw pinFailure(error, where)
  }
  return Buffer.concat(parts)
}

function pinFailure(error: unknown, where: string): ProbeError {
  const reason = error instanceof ProbeError && error.reason === 'timeout' ? 'timeout' : 'pin_fetch'
  const message = error instanceof Error ? error.message : String(error)
  return new ProbeError(`pinned resource ${where}: ${message}`, reason, { cause: error })
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value
}
