import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import { factCatalog } from '../../src/facts/catalog.js';
import { computeFacts } from '../../src/facts/index.js';
import { factsToJson } from '../../src/facts/serialize.js';
import { compileSchema } from '../../src/schemas.js';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { fixturesDir } from '../support/paths.js';

const base = loadRuleBase([], '/nonexistent-site-rules');
const validateFacts = compileSchema('facts.schema.json');

async function factsOf(root: string) {
  return computeFacts(await collect(new DirSource(root), { ...DEFAULT_COLLECT, statIntervalMs: 0 }), base.catalog);
}

describe('facts match schemas/facts.schema.json', () => {
  const trees = {
    'the live /proc': '/proc',
    'the procfs conformance tree': join(fixturesDir, 'conformance', 'procfs-fixtures', 'proc'),
  };
  for (const [name, root] of Object.entries(trees)) {
    it(`${name}: facts --json validates`, async () => {
      const json = factsToJson(await factsOf(root));
      assert.ok(validateFacts(json), JSON.stringify(validateFacts.errors?.slice(0, 5), null, 2));
    });
  }

  it('every fact the code computes is documented, and every documented fact is computed', async () => {
    const computed = await factsOf('/proc');
    const catalog = factCatalog();
    for (const name of computed.facts.keys()) assert.ok(catalog.has(name), `${name} is not in the schema`);
    const schema = JSON.parse(JSON.stringify(compileSchema('facts.schema.json').schema)) as {
      properties: { facts: { properties: Record<string, unknown> } };
    };
    for (const name of Object.keys(schema.properties.facts.properties)) assert.ok(computed.facts.has(name), `${name} is documented but never computed`);
  });
});
