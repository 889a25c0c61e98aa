/**
 * tagwarden as a Fastify plugin: every route's HTML payload — a string, a Buffer or a stream — is
 * inspected before Fastify sends it.
 *
 *   PORT=3000 node --import tsx examples/fastify.ts
 *
 * then open http://127.0.0.1:3000/ (a string payload), /streamed (the page file as a stream) and
 * /injected (the page with an attack <iframe> inserted: a 502 whose request id is Fastify's).
 * (In your code: `import { fastifyTagwarden } from 'tagwarden/embed'`.)
 */
import { createReadStream, readFileSync } from 'node:fs'
import Fastify from 'fastify'
import { fastifyTagwarden } from '../src/entries/embed.js'

const file = new URL('./pages/shop.html', import.meta.url)
const page = readFileSync(file, 'utf8')
const ATTACK = '<iframe src="http://attacker.example/exploit" width="0" height="0"></iframe>'

const app = Fastify()
await app.register(fastifyTagwarden, {
  policy: new URL('./policies/learned.json', import.meta.url), // read during registration
  onViolation: (v, request) =>
    console.log(`violation: ${v.directive} <${v.element} ${v.attribute}="${v.value}"> on ${request.raw.url}`),
})
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page))
app.get('/streamed', async (_request, reply) =>
  reply.type('text/html; charset=utf-8').send(createReadStream(file)),
)
app.get('/injected', async (_request, reply) =>
  reply.type('text/html; charset=utf-8').send(page.replace('<main>', `<main>${ATTACK}`)),
)

const address = await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' })
console.log(`listening on ${address}`)
