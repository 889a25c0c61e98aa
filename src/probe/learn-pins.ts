/**
 * `tagwarden learn --pin`: the policy's `pins` for the external scripts and stylesheets the pages
 * reference, each fetched as the probe fetches it (or read from a directory, offline) and hashed as
 * SRI hashes it (sha384 of the bytes with their Content-Encoding undone). Same-origin resources are
 * not pinned: they are the site's own and change with every deploy.
 */
import { readFile, realpath } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { pinKey } from '../policy/pins.js'
import { integrityOf } from '../policy/sri.js'
import type { Reference } from '../policy/types.js'
import { clip } from './fetch.js'
import { resolveProbeSettings, type ProbeSettings } from './options.js'
import { fetchResource } from './pins.js'

/** Where the bytes come from: the network, or `DIR/<host[:port]>/<path>` (the query is ignored). */
export type PinSource =
  { fetch: Pick<ProbeSettings, 'userAgent' | 'timeout' | 'maxPinBytes'> } | { dir: string }

/** The pinnable URLs among `refs`: external scripts and stylesheets, http(s), sorted, each once. */
export function externalResources(refs: Iterable<Reference>, documentUrl: URL): string[] {
  const urls = new Set<string>()
  for (const ref of refs) {
    if (ref.kind !== 'url') continue
    if (ref.directive !== 'script-src-elem' && ref.directive !== 'style-src-elem') continue
    const key = pinKey(ref.url)
    if (key !== undefined && ref.url.origin !== documentUrl.origin) urls.add(key)
  }
  return [...urls].sort()
}

/**
 * `{ url: 'sha384-…' }` for each URL whose bytes could be had; each that could not is given to
 * `onFailure` with the reason, and left out.
 */
export async function learnPins(
  urls: readonly string[],
  source: PinSource,
  onFailure: (url: string, reason: string) => void,
): Promise<Record<string, string>> {
  const pins: Record<string, string> = {}
  const read = 'dir' in source ? fromDirectory(source.dir) : fromNetwork(source.fetch)
  // Four at a time, as the probe fetches them.
  for (let i = 0; i < urls.length; i += 4) {
    const batch = urls.slice(i, i + 4)
    const results = await Promise.allSettled(batch.map((url) => read(new URL(url))))
    for (const [j, result] of results.entries()) {
      const url = batch[j]!
      if (result.status === 'fulfilled') pins[url] = integrityOf(result.value, 'sha384')
      else onFailure(url, (result.reason as Error)?.message ?? String(result.reason))
    }
  }
  return pins
}

function fromNetwork(options: Pick<ProbeSettings, 'userAgent' | 'timeout' | 'maxPinBytes'>) {
  const settings = resolveProbeSettings(options)
  return (url: URL): Promise<Buffer> =>
    fetchResource(url, {
      headers: { 'user-agent': settings.userAgent, 'accept-encoding': 'gzip, deflate, br' },
      maxPinBytes: settings.maxPinBytes,
      maxRedirects: settings.maxRedirects,
      signal: AbortSignal.timeout(settings.timeout),
    })
}

function fromDirectory(dir: string) {
  return async (url: URL): Promise<Buffer> => {
    const root = await realpath(dir)
    const file = join(root, url.host, ...decodeURIComponent(url.pathname).split('/'))
    // `..` in a path (or a symlink) must not read outside the directory.
    const where = relative(root, await realpath(file).catch(() => file))
    if (where.startsWith(`..${sep}`) || where === '..') throw new Error(`${clip(url.href)}: outside ${dir}`)
    try {
      return await readFile(file)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new Error(code === 'ENOENT' ? `no file ${file}` : `${file}: ${(error as Error).message}`, {
        cause: error,
      })
    }
  }
}
