/** `[HOST:]PORT` addresses, as `--listen`, `--metrics-listen` and the config's `listen` fields take them. */

export interface ListenAddress {
  host: string
  port: number
}

/** `8080` (on 127.0.0.1), `0.0.0.0:8080`, `[::1]:8080`, `localhost:0` (0: the OS picks a free port). */
export function parseListen(value: string): ListenAddress | string {
  const match = /^(?:(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(value.trim())
  const port = match ? Number(match[2]) : NaN
  if (!match || port > 65535) return 'expected [HOST:]PORT, e.g. 127.0.0.1:8080 or 8080'
  const host = match[1] === undefined ? '127.0.0.1' : match[1].replace(/^\[(.*)\]$/, '$1')
  return { host, port }
}

/** `http://HOST:PORT` for a bound address (IPv6 in brackets). */
export function addressUrl(host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}
