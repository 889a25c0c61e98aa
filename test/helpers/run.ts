import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createInspector, type InspectorOptions, type Verdict, type Violation } from '../../src/index.js'

export interface Run {
  /** The bytes that came out of the gate. */
  output: Buffer
  error: (Error & { code?: string }) | undefined
  verdict: Verdict
  violations: Violation[]
}

/** Feed `chunks` through a real Inspector in a real pipeline and collect what comes out. */
export async function runInspector(chunks: readonly Uint8Array[], options: InspectorOptions): Promise<Run> {
  const inspector = createInspector(options)
  const violations: Violation[] = []
  inspector.on('violation', (v) => violations.push(v))
  const out: Buffer[] = []
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk)
      callback()
    },
  })
  let error: Run['error']
  try {
    await pipeline(
      Readable.from(
        chunks.map((c) => Buffer.from(c)),
        { objectMode: false },
      ),
      inspector,
      sink,
    )
  } catch (e) {
    error = e as Run['error']
  }
  return { output: Buffer.concat(out), error, verdict: await inspector.verdict, violations }
}
