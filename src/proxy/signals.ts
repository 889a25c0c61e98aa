/**
 * The first SIGTERM or SIGINT. The listeners stay: a second signal (a terminal's Ctrl-C reaching
 * both a cluster's primary and its workers, then the primary's own SIGTERM) must not kill a process
 * mid-shutdown; the shutdown grace period bounds how long it takes.
 */
export function nextSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals): void => resolve(signal)
    process.on('SIGTERM', on)
    process.on('SIGINT', on)
  })
}
