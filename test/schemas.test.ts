import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { schemasDir } from '../src/paths.js';

// procdx compiles its schemas at start without checking them against the meta-schema (it costs
// a fifth of rule loading); this is where they are checked.
describe('schemas/', () => {
  const files = readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json'));

  it('every schema is valid draft-07 JSON Schema, and their $refs resolve', () => {
    const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
    ajv.addKeyword('x-unit').addKeyword('x-sources');
    const schemas = files.map((f) => JSON.parse(readFileSync(join(schemasDir, f), 'utf8')) as { $id: string });
    for (const schema of schemas) ajv.addSchema(schema);
    for (const schema of schemas) {
      assert.ok(ajv.validateSchema(schema), `${schema.$id}: ${ajv.errorsText(ajv.errors)}`);
      assert.doesNotThrow(() => ajv.getSchema(schema.$id), schema.$id);
    }
    assert.ok(files.length >= 5);
  });
});
