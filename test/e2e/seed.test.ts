import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Finding } from '../../src/findings/finding.js';
import type { Report } from '../../src/report/report.js';
import { compileSchema } from '../../src/schemas.js';
import { seedKernelLog } from '../fixtures/trees/kernel-logs.js';
import { writeSeedTree, type SeedManifest } from '../fixtures/trees/seed-tree.js';
import { scratchDir } from '../support/scratch.js';
import { unexplainedGaps } from '../support/tree-gaps.js';
import { runCli } from './run-cli.js';

const validateReport = compileSchema<Report>('report.schema.json');

interface Era {
  dir: string;
  /** The kernel log that goes with the tree (test/fixtures/trees/kernel-logs.ts), given with --kernel-log. */
  kernelLog: string;
  manifest: SeedManifest;
  json: string;
  report: Report;
  code: number;
}

const eras: Record<'2.6' | '6.x', Era> = {} as Record<'2.6' | '6.x', Era>;
const cleanups: (() => void)[] = [];

before(async () => {
  for (const era of ['2.6', '6.x'] as const) {
    const scratch = scratchDir(`seed-${era}`);
    cleanups.push(scratch.remove);
    const manifest = writeSeedTree(scratch.dir, { era });
    const logDir = scratchDir(`seed-${era}-log`);
    cleanups.push(logDir.remove);
    const kernelLog = join(logDir.dir, 'dmesg.txt');
    writeFileSync(kernelLog, seedKernelLog(manifest));
    const run = await runCli(['diagnose', '--proc-root', scratch.dir, '--kernel-log', kernelLog, '--format', 'json']);
    assert.equal(run.stderr, '');
    eras[era] = { dir: scratch.dir, kernelLog, manifest, json: run.stdout, report: JSON.parse(run.stdout) as Report, code: run.code };
  }
});
after(() => cleanups.forEach((remove) => remove()));

function finding(report: Report, id: string): Finding {
  const f = report.findings.find((x) => x.id === id);
  assert.ok(f, `no finding ${id}; findings: ${report.findings.map((x) => x.id).join(', ')}`);
  return f;
}

function evidenceValue(f: Finding, fact: string): unknown {
  const e = f.evidence.find((x) => x.fact === fact);
  assert.ok(e, `${f.id} has no evidence for ${fact}`);
  return e.value;
}

for (const era of ['2.6', '6.x'] as const) {
  describe(`the seed outage on a ${era} kernel, end to end`, () => {
    it('exits 2 with a report that matches schemas/report.schema.json', () => {
      assert.equal(eras[era].code, 2);
      assert.ok(validateReport(eras[era].report), JSON.stringify(validateReport.errors?.slice(0, 3), null, 2));
    });

    it('names 16653 as the process whose mmap lock the /proc readers wait for, with fd links and its own stacks as evidence', () => {
      const { report, manifest } = eras[era];
      const f = finding(report, `mmap-lock-proc-readers@pid:${manifest.targetPid}`);
      assert.equal(f.severity, 'critical');
      assert.deepEqual(f.subject, { kind: 'process', pid: 16653, comm: f.subject.kind === 'process' ? f.subject.comm : '' });
      // Every blocked reader outside 16653 (16653's own reader thread is not a reader of another process).
      assert.equal(evidenceValue(f, 'target.mmapLockReaders'), manifest.readerPids.length);
      const sources = f.evidence.flatMap((e) => e.sources);
      assert.ok(sources.some((s) => s.path === '/proc/12566/fd/4' && s.excerpt === 'killall5 (12566) -> /proc/16653/cmdline'), 'evidence from /proc/12566/fd/4');
      assert.ok(sources.some((s) => s.path.startsWith('/proc/16653/task/') && s.path.endsWith('/stack')), 'evidence from 16653\'s task stacks');
      assert.deepEqual(f.because, ['d-task-pileup@host']);
    });

    it('chains the readers to the D-task pile-up and the pile-up to the load', () => {
      const { report, manifest } = eras[era];
      const pileup = finding(report, 'd-task-pileup@host');
      assert.equal(evidenceValue(pileup, 'tasks.threads.D'), manifest.dTaskCount);
      assert.deepEqual(pileup.because, ['load-high-cpus-idle@host']);
      const load = finding(report, 'load-high-cpus-idle@host');
      assert.equal(evidenceValue(load, 'load.perCpu'), Math.round((6061.49 / 8) * 100) / 100);
    });

    it('finds 16653\'s own threads faulting on the same lock, building on the readers and the memory findings', () => {
      const { report, manifest } = eras[era];
      const f = finding(report, `mmap-lock-fault-contention@pid:${manifest.targetPid}`);
      assert.equal(evidenceValue(f, 'process.ownMmapFaultWaiters'), manifest.targetFaultingTids.length);
      assert.deepEqual(f.because, ['high-order-fragmentation@zone:0/Normal', 'memory-overcommitted-no-swap@host', `mmap-lock-proc-readers@pid:${manifest.targetPid}`]);
    });

    it('finds memory overcommitted 12.6x with no swap', () => {
      const f = finding(eras[era].report, 'memory-overcommitted-no-swap@host');
      assert.equal(evidenceValue(f, 'mem.commitRatio'), 12.61);
      assert.equal(evidenceValue(f, 'mem.swapTotalKb'), 0);
      assert.match(f.message, /\(12\.6x\), with no swap/);
    });

    it('finds zone Normal fragmented, and only zone Normal', () => {
      const zones = eras[era].report.findings.filter((f) => f.rule === 'high-order-fragmentation');
      assert.deepEqual(zones.map((f) => f.id), ['high-order-fragmentation@zone:0/Normal']);
      assert.equal(evidenceValue(zones[0]!, 'zone.emptyOrders'), '2-9');
    });

    it('finds the 257 zombies under their one parent', () => {
      const { report, manifest } = eras[era];
      const f = finding(report, `zombies-under-one-parent@pid:${manifest.zombieParentPid}`);
      assert.equal(evidenceValue(f, 'process.zombieChildren'), 257);
    });

    it('says plainly that /proc does not show the lock holder, and what would', () => {
      const f = finding(eras[era].report, `mmap-lock-holder-unknown@pid:${eras[era].manifest.targetPid}`);
      assert.equal(f.severity, 'info');
      assert.ok(f.advice.some((a) => a.command === "dmesg | grep -A40 'blocked for more than'" && a.safe === true));
      assert.ok(f.advice.some((a) => a.command?.startsWith('echo w > /proc/sysrq-trigger') && a.safe === false));
    });

    it(era === '2.6' ? 'the kernel log\'s hung-task reports name the same wait as the stacks: mmap_lock_read' : 'the kernel log has no hung-task report: 6.x waits for the mmap lock killably', () => {
      const hung = eras[era].report.findings.find((f) => f.rule === 'hung-task-reports-in-log');
      if (era === '6.x') {
        assert.equal(hung, undefined);
        return;
      }
      assert.match(hung?.message ?? '', /^The kernel reported 8 tasks hung in D \(10 hung-task reports, .*wait classes of their call traces: mmap_lock_read 8; tasks: ps \(316\), java \(16653\), /);
    });

    it('every rule was evaluated but those on rates and on counters the kernel lacks, and the only findings are the chain', () => {
      const { report, manifest } = eras[era];
      // The seed has no /proc/pressure (2.6; and RHEL-style kernels boot with psi=0) and 2.6 has no MemAvailable or oom_kill.
      assert.deepEqual(unexplainedGaps(report.notEvaluated, { olderKernel: true }), []);
      assert.deepEqual(report.findings.map((f) => f.id).sort(), [
        'd-task-pileup@host',
        'd-tasks-not-in-io-wait@host',
        'high-order-fragmentation@zone:0/Normal',
        // 2.6.32's readers wait uninterruptibly, so the hung-task detector spent its ten reports on them;
        // 6.x's wait killably and were never reported.
        ...(era === '2.6' ? ['hung-task-reports-in-log@host', 'hung-task-warnings-exhausted@host'] : []),
        'load-high-cpus-idle@host',
        // 2.6.32 has no MemAvailable; on 6.x the same meminfo gives 7% available.
        ...(era === '6.x' ? ['memory-available-low@host'] : []),
        'memory-overcommitted-no-swap@host',
        `mmap-lock-fault-contention@pid:${manifest.targetPid}`,
        `mmap-lock-holder-unknown@pid:${manifest.targetPid}`,
        `mmap-lock-proc-readers@pid:${manifest.targetPid}`,
        'zombies-many@host',
        `zombies-under-one-parent@pid:${manifest.zombieParentPid}`,
      ]);
    });
  });
}

describe('a site rule over commands (for_each: command)', () => {
  it('counts the D tasks of one command across all its processes', async () => {
    const { dir } = scratchDir('site-rules');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'ps-pileup.yaml'),
      [
        'id: ps-pileup',
        'title: Our monitoring ps commands are stuck in D',
        'severity: warning',
        'description: A site rule over the command entity.',
        'for_each: command',
        'conditions:',
        '  all:',
        '    - { fact: command.name, operator: equal, value: ps }',
        '    - { fact: command.dThreads, operator: greaterThan, value: 50 }',
        'message: "{{ command.dThreads }} {{ command.name }} tasks are in D, in {{ command.processes }} processes"',
        '',
      ].join('\n'),
    );
    const run = await runCli(['diagnose', '--proc-root', eras['2.6'].dir, '--rules', dir, '--format', 'json']);
    const report = JSON.parse(run.stdout) as Report;
    const f = finding(report, 'ps-pileup@command:ps');
    assert.equal(f.message, '5147 ps tasks are in D, in 5147 processes');
    assert.deepEqual(f.subject, { kind: 'command', comm: 'ps' });
  });

  it('a thread rule (for_each: thread) sees each task\'s state and wait class', async () => {
    const { dir } = scratchDir('site-rules');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(
      join(dir, 'killall5-reading.yaml'),
      [
        'id: killall5-reading',
        'title: killall5 waits on an mmap lock',
        'severity: info',
        'description: A site rule over the thread entity.',
        'for_each: thread',
        'conditions:',
        '  all:',
        '    - { fact: thread.state, operator: equal, value: D }',
        '    - { fact: thread.comm, operator: equal, value: killall5 }',
        '    - { fact: thread.waitClass, operator: equal, value: mmap_lock_read }',
        'message: "{{ thread.comm }} ({{ thread.tid }}) waits in {{ thread.signature }}"',
        '',
      ].join('\n'),
    );
    const run = await runCli(['diagnose', '--proc-root', eras['2.6'].dir, '--rules', dir, '--format', 'json']);
    const report = JSON.parse(run.stdout) as Report;
    const fired = report.findings.filter((f) => f.rule === 'killall5-reading');
    assert.deepEqual(fired.map((f) => f.message), ['killall5 (12566) waits in mmap-lock-proc-reader']);
    assert.ok(!report.notEvaluated.some((n) => n.rule === 'killall5-reading'), 'sleeping threads are decided by their state');
  });
});

describe('the seed outage: text report and replay', () => {
  it('the text report fits 80 columns and puts the root cause first', async () => {
    const run = await runCli(['diagnose', '--proc-root', eras['2.6'].dir]);
    assert.equal(run.code, 2);
    const lines = run.stdout.split('\n');
    const wide = lines.filter((l) => l.length > 80);
    assert.deepEqual(wide, [], 'every line fits 80 columns');
    const chain = lines.indexOf('Diagnosis chain (root causes first; each builds on the ones beneath it)');
    assert.ok(chain > 0);
    assert.match(lines[chain + 1]!, /^ {2}\[1\] CRITICAL mmap-lock-fault-contention {2}process java \(16653\)$/);
  });

  it('capture, then diagnose --snapshot elsewhere: the same findings, byte for byte', async () => {
    const archive = join(eras['2.6'].dir, '..', `${basename(eras['2.6'].dir)}.tar.gz`);
    cleanups.push(() => rmSync(archive, { force: true }));
    const capture = await runCli(['capture', '--proc-root', eras['2.6'].dir, '--kernel-log', eras['2.6'].kernelLog, '-o', archive]);
    assert.equal(capture.code, 0, capture.stderr);
    assert.equal(capture.stdout, `${archive}\n`);
    const replay = await runCli(['diagnose', '--snapshot', archive, '--format', 'json']);
    assert.equal(replay.code, 2, replay.stderr);
    const replayed = JSON.parse(replay.stdout) as Report;
    assert.equal(JSON.stringify(replayed.findings), JSON.stringify(eras['2.6'].report.findings));
    assert.equal(JSON.stringify(replayed.notEvaluated), JSON.stringify(eras['2.6'].report.notEvaluated));
  });

  it('two runs on the same tree give byte-identical JSON', async () => {
    const again = await runCli(['diagnose', '--proc-root', eras['2.6'].dir, '--kernel-log', eras['2.6'].kernelLog, '--format', 'json']);
    assert.equal(again.stdout, eras['2.6'].json);
  });
});
