import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import { builtinRulesDir, packageRoot } from '../../src/paths.js';
import { loadRuleTestFiles, treeNames, type RuleTestFile, type TreeName } from '../../src/rules/rule-test-file.js';
import { formatRuleTestResults } from '../../src/rules/rule-test-report.js';
import { runRuleTests, type FileResult } from '../../src/rules/rule-tests.js';
import { writeHealthyTree } from '../fixtures/trees/healthy-tree.js';
import { healthyKernelLog, seedKernelLog } from '../fixtures/trees/kernel-logs.js';
import { writeIoStormTree } from '../fixtures/trees/io-storm-tree.js';
import { writeSeedTree } from '../fixtures/trees/seed-tree.js';
import { scratchDir } from '../support/scratch.js';

/**
 * Every built-in rule's tests (rules/<area>/<id>.test.yaml), run as `npm test` runs them: with the
 * fixture trees, which only this harness can write (they live under test/ and are not shipped).
 */

/** Each tree writer returns the text of the kernel log that goes with the tree, if it has one (test/fixtures/trees/kernel-logs.ts). */
const WRITERS: Record<TreeName, (dir: string) => string | undefined> = {
  'seed-2.6': (dir) => seedKernelLog(writeSeedTree(dir, { era: '2.6' })),
  'seed-6.x': (dir) => seedKernelLog(writeSeedTree(dir, { era: '6.x' })),
  healthy: (dir) => {
    writeHealthyTree(dir);
    return healthyKernelLog();
  },
  'io-storm': (dir) => {
    writeIoStormTree(dir);
    return undefined;
  },
};

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((remove) => remove()));

/** Writes a tree on first use, and its kernel log beside it; each is written once per run. */
const written = new Map<TreeName, Promise<{ root: string; kernelLog?: string }>>();
function tree(name: TreeName): Promise<{ root: string; kernelLog?: string }> {
  let done = written.get(name);
  if (!done) {
    const scratch = scratchDir(`rule-tests-${name}`);
    cleanups.push(scratch.remove);
    const log = WRITERS[name](scratch.dir);
    let kernelLog: string | undefined;
    if (log !== undefined) {
      const logDir = scratchDir(`rule-tests-${name}-log`);
      cleanups.push(logDir.remove);
      kernelLog = join(logDir.dir, 'kernel.log');
      writeFileSync(kernelLog, log);
    }
    done = Promise.resolve(kernelLog === undefined ? { root: scratch.dir } : { root: scratch.dir, kernelLog });
    written.set(name, done);
  }
  return done;
}

function builtinTestFiles(): { path: string; shown: string }[] {
  const out: { path: string; shown: string }[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.test.yaml')) out.push({ path, shown: relative(packageRoot, path) });
    }
  };
  walk(builtinRulesDir);
  return out;
}

const base = loadRuleBase([], '/nonexistent/procdx-rules.d');
const files: RuleTestFile[] = loadRuleTestFiles(builtinTestFiles(), { rules: base.rules, signatures: base.catalog });
let results: FileResult[] = [];

before(async () => {
  results = await runRuleTests(files, { rules: base.rules, signatures: base.catalog, tree });
});

describe('built-in rule tests (rules/**/*.test.yaml)', () => {
  for (const file of files) {
    describe(file.file, () => {
      for (const c of file.cases) {
        it(c.name, () => {
          const result = results.find((r) => r.file === file.file)!.cases.find((r) => r.name === c.name)!;
          assert.equal(result.status, 'ok', formatRuleTestResults([{ file: file.file, cases: [result] }]));
        });
      }
    });
  }
});

describe('coverage of the built-in rules by their tests', () => {
  const cases = files.flatMap((f) => f.cases);
  const named = (id: string) => (c: RuleTestFile['cases'][number]) =>
    c.fires.some((f) => f.rule === id) || c.silent.includes(id) || c.notEvaluated.some((n) => n.rule === id);

  for (const rule of base.rules) {
    it(`${rule.id}: a firing, a non-firing and a not-evaluated case, and one on a fixture tree or snapshot`, () => {
      assert.ok(cases.some((c) => c.fires.some((f) => f.rule === rule.id)), `no case where ${rule.id} fires`);
      assert.ok(cases.some((c) => c.silent.includes(rule.id)), `no case where ${rule.id} is silent`);
      assert.ok(cases.some((c) => c.notEvaluated.some((n) => n.rule === rule.id)), `no case where ${rule.id} is not evaluated`);
      assert.ok(cases.some((c) => c.input.kind !== 'inline' && named(rule.id)(c)), `no case runs ${rule.id} on a tree or snapshot`);
    });
  }

  it('every rule has its test file beside it: rules/<area>/<id>.test.yaml', () => {
    const shown = new Set(files.map((f) => f.file));
    for (const rule of base.rules) assert.ok(shown.has(rule.file.replace(/\.ya?ml$/, '.test.yaml')), `${rule.file} has no test file beside it`);
  });

  it('the harness writes every tree the schema names, and no other', () => {
    assert.deepEqual(Object.keys(WRITERS).sort(), treeNames().sort());
  });
});
