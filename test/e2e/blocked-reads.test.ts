import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/report/report.js';
import { writeSeedTree, type SeedManifest } from '../fixtures/trees/seed-tree.js';
import { runProcdx } from '../support/procdx-process.js';
import { scratchDir } from '../support/scratch.js';

/**
 * The seed tree with some cmdline files replaced by named pipes that nobody writes: any read of
 * them blocks forever, as a read of a jammed process's cmdline does on a live host.
 */
describe('cmdline files that block forever (named pipes with no writer)', () => {
  const scratch = scratchDir('fifo');
  let manifest: SeedManifest;
  let jammed: number[];
  before(() => {
    manifest = writeSeedTree(scratch.dir, { era: '6.x' });
    jammed = [manifest.topPids.xenstored, manifest.topPids.xend, manifest.zombieParentPid];
    for (const pid of jammed) {
      const path = join(scratch.dir, String(pid), 'cmdline');
      rmSync(path, { force: true });
      execFileSync('mkfifo', [path]);
    }
  });
  after(() => scratch.remove());

  it('diagnose finishes within its deadline, reports the reads as blocked, and still diagnoses the rest', async () => {
    const run = await runProcdx(['diagnose', '--proc-root', scratch.dir, '--format', 'json', '--deadline', '8'], 60_000);
    assert.ok(run.ms < 8000 + 3000, `took ${Math.round(run.ms)} ms`);
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(run.stdout) as Report;

    const blocked = report.findings.filter((f) => f.rule === 'proc-read-blocked');
    assert.deepEqual(blocked.map((f) => (f.subject.kind === 'process' ? f.subject.pid : 0)), [...jammed].sort((a, b) => a - b));
    for (const f of blocked) {
      const sources = f.evidence.flatMap((e) => e.sources);
      assert.ok(sources.some((s) => /^\/proc\/\d+\/cmdline$/.test(s.path) && /procdx's own read blocked; given up after \d+ ms/.test(s.excerpt ?? '')));
    }
    const unread = report.unread.find((u) => u.reason.startsWith('blocked'));
    assert.equal(unread?.count, jammed.length);

    // The rest of the diagnosis is unchanged.
    for (const id of ['d-task-pileup@host', `mmap-lock-proc-readers@pid:${manifest.targetPid}`, 'memory-overcommitted-no-swap@host', 'high-order-fragmentation@zone:0/Normal']) {
      assert.ok(report.findings.some((f) => f.id === id), `${id} is still found`);
    }
    assert.equal(report.run.deadlinePassed, false);
  });
});
