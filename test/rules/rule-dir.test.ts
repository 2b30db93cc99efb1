import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadRuleBaseFrom } from '../../src/diagnose.js';
import { install } from '../../src/install.js';
import { ruleFiles } from '../../src/history/record.js';
import { RuleLoadError } from '../../src/rules/load.js';
import { diskRuleDir, embeddedRuleDir, filesUnder, subDir, type RuleDir } from '../../src/rules/rule-dir.js';
import { SignatureCatalogError } from '../../src/signatures/catalog.js';
import { repoRoot } from '../support/paths.js';

// The single-file build reads the built-in rules from an embedded copy (embeddedRuleDir): the same
// loader must give the same rules, signatures, file names and errors as from rules/ on disk.

const tmp = mkdtempSync(join(tmpdir(), 'procdx-rule-dir-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const isRuleFile = (name: string): boolean => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name);

/** What scripts/bundle.ts embeds: every rule and signature file of a directory, by relative path. */
function embed(dir: RuleDir): Record<string, string> {
  const files: Record<string, string> = {};
  for (const path of filesUnder(dir, isRuleFile)) {
    const read = dir.read(path);
    assert.ok(read.ok, path);
    files[path] = read.text;
  }
  return files;
}

function writeTree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'set-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function loadErrors(dir: RuleDir): string[] {
  try {
    loadRuleBaseFrom([{ dir, origin: 'builtin' }]);
  } catch (err) {
    assert.ok(err instanceof RuleLoadError || err instanceof SignatureCatalogError, String(err));
    return err.errors;
  }
  assert.fail('expected the load to fail');
}

describe('rule directories: on disk and embedded', () => {
  const disk = diskRuleDir(join(repoRoot, 'rules'), 'rules');
  const embedded = embeddedRuleDir(embed(disk), 'rules');

  it('the built-in rules embedded load as the same rules and signatures, named rules/...', () => {
    assert.equal(install.builtinRules.shown, 'rules');
    const fromDisk = loadRuleBaseFrom([{ dir: disk, origin: 'builtin' }]);
    const fromCopy = loadRuleBaseFrom([{ dir: embedded, origin: 'builtin' }]);
    assert.ok(fromDisk.rules.length > 10);
    assert.deepEqual(fromCopy.rules, fromDisk.rules);
    assert.deepEqual(
      fromCopy.catalog.signatures.map((s) => [s.id, s.file]),
      fromDisk.catalog.signatures.map((s) => [s.id, s.file]),
    );
    assert.ok(fromDisk.rules.every((r) => r.file.startsWith('rules/')));
    assert.ok(fromDisk.catalog.signatures.every((s) => s.file.startsWith('rules/signatures/')));
  });

  it('a history record keeps the same files with the same digests from either', () => {
    assert.deepEqual(ruleFiles([{ dir: embedded, origin: 'builtin' }]), ruleFiles([{ dir: disk, origin: 'builtin' }]));
  });

  it('walks folders alike: sorted, signatures/ passed over when asked, at most three folders deep', () => {
    const files = {
      'b.yaml': 'x',
      'a/r.yaml': 'x',
      'a/r.test.yaml': 'x',
      'signatures/s.yaml': 'x',
      'a/b/c/deep.yaml': 'x',
      'a/b/c/d/too-deep.yaml': 'x',
    };
    const onDisk = diskRuleDir(writeTree(files), 'set');
    const inMemory = embeddedRuleDir(files, 'set');
    for (const options of [{}, { skipTopDirs: ['signatures'] }]) {
      const want = filesUnder(onDisk, isRuleFile, options);
      assert.deepEqual(filesUnder(inMemory, isRuleFile, options), want);
    }
    assert.deepEqual(filesUnder(inMemory, isRuleFile, { skipTopDirs: ['signatures'] }), ['a/b/c/deep.yaml', 'a/r.yaml', 'b.yaml']);
    const signatures = subDir(inMemory, 'signatures');
    assert.equal(signatures.shown, 'set/signatures');
    assert.deepEqual(signatures.list(''), { ok: true, entries: [{ name: 's.yaml', kind: 'file' }] });
    const missing = subDir(inMemory, 'nothing').list('');
    assert.equal(!missing.ok && missing.error.code, 'ENOENT');
  });

  it('a broken rule or signature gives the same file:line:column errors from either', () => {
    const files = {
      'tasks/bad.yaml': 'id: bad\ntitle: t\nseverity: warning\ndescription: d\nconditions:\n  all:\n    - fact: tasks.threads.DD\n      operator: greaterThan\n      value: 1\nmessage: m\n',
      'signatures/sig.yaml': 'id: sig\nwait_class: mutexx\ntitle: t\ndescription: d\ntop: [f]\n',
    };
    const onDisk = loadErrors(diskRuleDir(writeTree(files), 'rules'));
    const inMemory = loadErrors(embeddedRuleDir(files, 'rules'));
    assert.deepEqual(inMemory, onDisk);
    assert.match(inMemory.join('\n'), /^rules\/signatures\/sig\.yaml:2:13: wait_class: must be one of /);
    delete (files as Record<string, string>)['signatures/sig.yaml'];
    const ruleErrors = loadErrors(embeddedRuleDir(files, 'rules'));
    assert.deepEqual(ruleErrors, loadErrors(diskRuleDir(writeTree(files), 'rules')));
    assert.match(ruleErrors[0]!, /^rules\/tasks\/bad\.yaml:7:13: conditions\.all\[0\]\.fact: unknown fact 'tasks\.threads\.DD' \(did you mean 'tasks\.threads\.D'\?\)$/);
  });
});
