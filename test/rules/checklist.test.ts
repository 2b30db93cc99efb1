import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import { packageRoot, schemasDir } from '../../src/paths.js';
import { formatChecklist } from '../../src/report/checklist.js';
import { WAIT_CLASSES } from '../../src/signatures/wait-classes.js';

const base = loadRuleBase([], '/nonexistent-site-rules');

describe('docs/checklist.md', () => {
  it('is what the built-in rules say (regenerate with npm run docs)', () => {
    const onDisk = readFileSync(join(packageRoot, 'docs', 'checklist.md'), 'utf8');
    assert.equal(onDisk, formatChecklist(base.rules, base.catalog), 'docs/checklist.md is stale: run npm run docs');
  });

  it('lists every enabled rule with its description', () => {
    const text = formatChecklist(base.rules, base.catalog);
    for (const rule of base.rules) {
      assert.ok(text.includes(`### ${rule.id}\n`), `${rule.id} missing`);
      assert.ok(text.includes(rule.description.replace(/\s+/g, ' ').trim()), `${rule.id}: description missing`);
    }
  });
});

describe('wait classes', () => {
  it('the signature schema, the facts schema and the vocabulary name the same classes', () => {
    const signature = JSON.parse(readFileSync(join(schemasDir, 'signature.schema.json'), 'utf8')) as { properties: { wait_class: { enum: string[] } } };
    assert.deepEqual(signature.properties.wait_class.enum, WAIT_CLASSES);
    const facts = JSON.parse(readFileSync(join(schemasDir, 'facts.schema.json'), 'utf8')) as { properties: { facts: { properties: Record<string, unknown> } } };
    for (const cls of [...WAIT_CLASSES, 'unclassified']) assert.ok(facts.properties.facts.properties[`tasks.waitClass.${cls}`], cls);
  });

  it('every class has at least one built-in signature', () => {
    const named = new Set(base.catalog.signatures.map((s) => s.wait_class));
    assert.deepEqual(WAIT_CLASSES.filter((c) => !named.has(c)), []);
  });
});
