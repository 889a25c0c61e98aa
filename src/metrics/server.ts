/**
 * The metrics listener: GET /metrics (Prometheus text format) and GET /healthz, nothing else. It is a
 * separate port from the proxy's, so the metrics are never reachable through the proxied sites.
 */
import { createServer, type Server } from 'node:http'

export interface MetricsSource {
  /** The exposition text. */
  metrics(): Promise<string>
  /** Its Content-Type. */
  readonly contentType: string
  /** Whether /healthz answers 200 (false while shutting down: a load balancer stops sending traffic). */
  healthy(): boolean
}

export function createMetricsServer(source: MetricsSource, onError: (error: Error) => void): Server {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?', 1)[0]
    if (path !== '/metrics' && path !== '/healthz') return end(res, 404, 'not found\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD')
      return end(res, 405, 'method not allowed\n')
    }
    if (path === '/healthz')
      return source.healthy() ? end(res, 200, 'ok\n') : end(res, 503, 'shutting down\n')
    source.metrics().then(
      (text) => end(res, 200, text, source.contentType),
      (error: Error) => {
        onError(error)
        end(res, 500, 'metrics unavailable\n')
      },
    )
  })
  server.keepAliveTimeout = 5_000
  return server
}

function end(
  res: import('node:http').ServerResponse,
  status: number,
  body: string,
  type = 'text/plain; charset=utf-8',
): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  })
  res.end(res.req.method === 'HEAD' ? undefined : body)
}
