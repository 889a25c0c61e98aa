import { finished } from 'node:stream/promises'
import { createInspector, type InspectorOptions, type Verdict } from '../src/index.js'

export interface Fed {
  verdict: Verdict
  /** Bytes that came out of the gate. */
  out: number
}

/**
 * One document through the public Node stream face, as an embedding server uses it. Chunks are
 * written without waiting for 'drain': they are in memory already, and waiting would time the event
 * loop rather than the inspector.
 */
export async function feedInspector(
  chunks: Iterable<Uint8Array>,
  options: InspectorOptions,
  create = createInspector,
): Promise<Fed> {
  const inspector = create(options)
  let out = 0
  inspector.on('data', (c: Buffer) => (out += c.length))
  for (const c of chunks) inspector.write(c)
  inspector.end()
  // A block or a limit ends the stream with an error; the verdict says which, so it is what is checked.
  await finished(inspector).catch(() => {})
  return { verdict: await inspector.verdict, out }
}

/** A verdict that is not clean fails the whole run: a blocked page would make the figures meaningless. */
export function assertClean(what: string, fed: Fed, bytes: number): void {
  const { verdict } = fed
  if (verdict.status === 'clean' && fed.out === bytes) return
  const v = verdict.violations[0]
  const detail = v
    ? `${v.directive} <${v.element}> ${v.attribute ?? 'text'}: ${v.value}`
    : (verdict.error?.message ?? verdict.reason ?? `${fed.out} of ${bytes} bytes out`)
  throw new Error(`${what}: verdict ${verdict.status}, not clean: ${detail}`)
}
