import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/finding.js';
import type { Report } from '../../src/report/report.js';
import { labDown, labUnavailable, labUp, type MmapLockManifest } from '../support/lab.js';
import { runProcdx } from '../support/procdx-process.js';
import { taskState } from '../support/vfork-d.js';

describe('live: the seed pile-up, made real by the lab (mmap-lock)', { skip: labUnavailable('mmap-lock') ?? undefined }, () => {
  let lab: MmapLockManifest;
  before(async () => {
    lab = await labUp('mmap-lock', { LAB_READERS: 20, LAB_FAULTERS: 3 });
  });
  after(async () => {
    await labDown('mmap-lock');
    const left = lab.tasks.filter((t) => taskState(t.tid) === 'D');
    assert.deepEqual(left, [], 'no lab task may be left in D');
  });

  for (const deadline of [5, 1]) {
    it(`diagnose --deadline ${deadline} finishes in time, exits 2 and names the jammed process with its evidence`, async () => {
      const run = await runProcdx(['diagnose', '--format', 'json', '--deadline', String(deadline)], 30_000);
      // Start-up of node and the rules comes on top of the collection deadline.
      assert.ok(run.ms < deadline * 1000 + 3000, `took ${Math.round(run.ms)} ms`);
      assert.equal(run.code, 2, run.stderr);
      const report = JSON.parse(run.stdout) as Report;
      const about = (rule: string): Finding | undefined =>
        report.findings.find((f) => f.rule === rule && f.subject.kind === 'process' && f.subject.pid === lab.target_pid);

      const readers = about('mmap-lock-proc-readers');
      assert.ok(readers, `no mmap-lock-proc-readers finding for ${lab.target_pid}: ${report.findings.map((f) => f.id).join(', ')}`);
      assert.equal(readers.severity, 'critical');
      const sources = readers.evidence.flatMap((e) => e.sources);
      const fdLinks = sources.filter((s) => /^\/proc\/\d+\/fd\/\d+$/.test(s.path) && s.excerpt?.endsWith(`-> ${lab.reader_file}`));
      assert.ok(fdLinks.length >= 3, 'the readers\' fd links are evidence');
      assert.ok(fdLinks.every((s) => lab.readers.includes(Number(s.path.split('/')[2]))), 'the fd links are the lab\'s readers');
      const ownStacks = sources.filter((s) => s.path.startsWith(`/proc/${lab.target_pid}/task/`) && s.path.endsWith('/stack'));
      assert.ok(ownStacks.some((s) => s.excerpt?.startsWith('lock_mm_and_find_vma')), 'the target\'s own faulting threads\' stacks are evidence');

      const faults = about('mmap-lock-fault-contention');
      assert.ok(faults, 'the target\'s own threads stuck in page faults are a finding');
      assert.ok(faults.because.includes(readers.id), 'it builds on the readers finding');

      const holder = about('mmap-lock-holder');
      assert.ok(holder, 'the lock holder (a /proc/T/mem reader inside the lock) is a finding');
      const holderPids = holder.evidence.find((e) => e.fact === 'target.lockHolderPids')?.value;
      assert.deepEqual(holderPids, [lab.lock_holder_pid]);
      assert.ok(holder.because.includes(faults.id), 'the holder finding heads the chain');
      assert.equal(about('mmap-lock-holder-unknown'), undefined, 'the holder is known here');

      // procdx never read the jammed process's cmdline: that is how ps hangs.
      assert.ok(
        report.unread.some((u) => u.reason.startsWith('skipped: blocked tasks are reading') && u.sample.includes(`/proc/${lab.target_pid}/cmdline`)),
        JSON.stringify(report.unread),
      );
    });
  }
});
