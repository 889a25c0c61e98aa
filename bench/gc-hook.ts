/**
 * Preloaded (`node --expose-gc --import gc-hook.mjs`) into the proxy whose memory the leak check
 * watches: on SIGUSR2, two full collections, then `process.memoryUsage()` as one JSON line on stderr.
 * Heap figures without a collection first would measure garbage not yet collected, not a leak.
 */
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('gc-hook needs node --expose-gc')
process.on('SIGUSR2', () => {
  gc()
  gc()
  process.stderr.write(`${JSON.stringify({ memory: process.memoryUsage() })}\n`)
})
