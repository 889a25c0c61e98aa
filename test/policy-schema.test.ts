import { readFile } from 'node:fs/promises'
import { Ajv2020 } from 'ajv/dist/2020.js'
import t from 'tap'
import { isSourceListDirective, knownDirectives } from '../src/policy/directives.js'
import { CHECKED_DIRECTIVES } from '../src/policy/types.js'

const schema = JSON.parse(await readFile(new URL('../schema/policy.schema.json', import.meta.url), 'utf8'))

t.test('the schema is a valid draft 2020-12 schema under strict Ajv', async (t) => {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true })
  t.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema')
  t.doesNotThrow(() => ajv.compile(schema))
  const validate = ajv.compile(schema)
  t.ok(validate({ directives: {} }))
  t.ok(validate({ $schema: './policy.schema.json', action: 'report', directives: { 'img-src': "'self'" } }))
  t.notOk(validate({ directives: { 'img-src': [1] } }))
})

t.test('its directives are exactly the ones the loader knows, each documented', async (t) => {
  const properties: Record<string, { description?: string; $ref?: string }> =
    schema.$defs.directives.properties
  t.same(Object.keys(properties).sort(), [...knownDirectives()].sort())
  for (const name of CHECKED_DIRECTIVES) t.ok(properties[name], `${name} is in the schema`)
  for (const [name, property] of Object.entries(properties)) {
    t.ok(property.description && property.description.length > 20, `${name} has a description`)
    t.equal(
      property.$ref,
      isSourceListDirective(name) ? '#/$defs/sourceList' : '#/$defs/tokens',
      `${name} value type`,
    )
  }
})

t.test('top-level fields carry titles or descriptions for editors', async (t) => {
  t.ok(schema.title)
  t.ok(schema.description)
  for (const field of ['action', 'routes']) t.ok(schema.properties[field].description, field)
  t.ok(schema.$defs.directives.description)
  t.ok(schema.properties.routes.items.properties.path.description)
})
