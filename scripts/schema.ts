// `npm run schema`: write portico.schema.json from the config schema, for editor completion.
// `npm run schema -- --check` fails when the committed file is out of date (part of npm test).
import { readFileSync, writeFileSync } from 'node:fs'
import { toJsonSchema } from '@valibot/to-json-schema'
import { PorticoConfig } from '../src/config/schema.ts'

const file = 'portico.schema.json'
const schema = { ...toJsonSchema(PorticoConfig, { errorMode: 'ignore' }), title: 'Portico configuration (PORTICO_CONFIG)' }
const text = `${JSON.stringify(schema, null, 2)}\n`

if (process.argv.includes('--check')) {
  let current = ''
  try {
    current = readFileSync(file, 'utf8')
  } catch {
    // missing counts as out of date
  }
  if (current !== text) {
    console.error(`${file} is out of date with src/config/schema.ts: run npm run schema and commit it`)
    process.exit(1)
  }
  console.log(`${file} is up to date`)
} else {
  writeFileSync(file, text)
  console.log(`wrote ${file}`)
}
