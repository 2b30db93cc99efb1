import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeSeedTree } from '../fixtures/trees/seed-tree.js';
import { scratchDir } from '../support/scratch.js';
import { runCli } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-explain-'));
const tree = scratchDir('explain');
const reportFile = join(tmp, 'seed.json');
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  tree.remove();
});
before(async () => {
  writeSeedTree(tree.dir, { era: '6.x' });
  const run = await runCli(['diagnose', '--proc-root', tree.dir, '--format', 'json']);
  writeFileSync(reportFile, run.stdout);
});

describe('procdx explain', () => {
  it('explains one finding: conditions with values and thresholds, every source, and the chain below it', async () => {
    const r = await runCli(['explain', reportFile, '--finding', 'mmap-lock-proc-readers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^CRITICAL {2}mmap-lock-proc-readers@pid:16653$/m);
    assert.match(r.stdout, /^ {6}- target\.mmapLockReaders = 6053 threads \(>= 3, param minReaders\)$/m);
    assert.match(r.stdout, /^ {8}\/proc\/12566\/fd\/4 killall5 \(12566\) -> \/proc\/16653\/cmdline$/m);
    assert.doesNotMatch(r.stdout, /more sources in --format json/, 'explain leaves no source out');
    assert.match(r.stdout, /Builds on, down to the observations\n {4}- d-task-pileup@host: .*\n {6}- load-high-cpus-idle@host: /);
  });

  it('refuses what is not a procdx report, and an unknown finding, with exit 3', async () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"hello": 1}');
    const notReport = await runCli(['explain', bad]);
    assert.equal(notReport.code, 3);
    assert.match(notReport.stderr, /not a procdx report/);
    const unknown = await runCli(['explain', reportFile, '--finding', 'nope']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /no finding 'nope' in this report \(findings: d-task-pileup@host, /);
  });
});

describe('procdx rules show', () => {
  it('shows where a rule came from, its params, what it tests and advises', async () => {
    const r = await runCli(['rules', 'show', 'mmap-lock-proc-readers']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^CRITICAL {2}mmap-lock-proc-readers: \/proc readers blocked on another process's mmap lock$/m);
    assert.match(r.stdout, /^ {2}from builtin: rules\/mmap\/mmap-lock-proc-readers\.yaml$/m);
    assert.match(r.stdout, /^ {6}target\.mmapLockReaders >= 3$/m);
    assert.match(r.stdout, /\$ kill -9 \{\{target\.pid\}\} \(changes the system\)/);
  });

  it('says which file overrode a param', async () => {
    const site = mkdtempSync(join(tmp, 'site-'));
    writeFileSync(join(site, 'pileup.yaml'), 'id: d-task-pileup\noverride: true\nparams:\n  minDTasks: 500\n');
    const r = await runCli(['rules', 'show', 'd-task-pileup', '--rules', site]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ {4}minDTasks = 500 {2}\\(set by ${site.replace(/[/.]/g, '\\$&')}/pileup\\.yaml\\)$`, 'm'));
    assert.match(r.stdout, /^ {6}tasks\.threads\.dNotFrozen >= 500$/m);
  });

  it('an unknown id is exit 3 with a hint', async () => {
    const r = await runCli(['rules', 'show', 'zombies']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /no enabled rule 'zombies' \(did you mean zombies-under-one-parent, zombies-many\?\)/);
  });
});
