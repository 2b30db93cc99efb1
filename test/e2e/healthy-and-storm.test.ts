import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Report } from '../../src/report/report.js';
import { writeHealthyTree } from '../fixtures/trees/healthy-tree.js';
import { healthyKernelLog } from '../fixtures/trees/kernel-logs.js';
import { writeIoStormTree } from '../fixtures/trees/io-storm-tree.js';
import { scratchDir } from '../support/scratch.js';
import { unexplainedGaps } from '../support/tree-gaps.js';
import { runCli } from './run-cli.js';

const cleanups: (() => void)[] = [];
after(() => cleanups.forEach((remove) => remove()));

async function diagnose(write: (dir: string) => unknown, kernelLog?: string): Promise<{ code: number; report: Report }> {
  const scratch = scratchDir('tree');
  cleanups.push(scratch.remove);
  write(scratch.dir);
  const logArgs: string[] = [];
  if (kernelLog !== undefined) {
    const logDir = scratchDir('tree-log');
    cleanups.push(logDir.remove);
    writeFileSync(join(logDir.dir, 'kmsg'), kernelLog);
    logArgs.push('--kernel-log', join(logDir.dir, 'kmsg'));
  }
  const run = await runCli(['diagnose', '--proc-root', scratch.dir, ...logArgs, '--format', 'json']);
  assert.equal(run.stderr, '');
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

describe('a healthy host', () => {
  it('gives no warning or critical finding, exits 0, and evaluates every rule but those on rates', async () => {
    const { code, report } = await diagnose(writeHealthyTree, healthyKernelLog());
    assert.equal(code, 0);
    assert.deepEqual(report.findings.filter((f) => f.severity !== 'info').map((f) => f.id), []);
    assert.deepEqual(unexplainedGaps(report.notEvaluated), []);
    assert.ok(report.notEvaluated.some((n) => n.rule === 'swap-thrashing'), 'a rule on rates is not evaluated on a static tree');
  });
});

describe('a host whose /proc/buddyinfo cannot be read', () => {
  it('says the fragmentation rule was not evaluated, instead of passing it', async () => {
    const { report } = await diagnose((dir) => {
      writeHealthyTree(dir);
      rmSync(join(dir, 'buddyinfo'));
    });
    assert.deepEqual(
      report.notEvaluated.filter((n) => n.rule === 'high-order-fragmentation'),
      [{ rule: 'high-order-fragmentation', reason: 'no zones: /proc/buddyinfo: ENOENT' }],
    );
  });
});

describe('a load-700 storm of D tasks in plain I/O wait', () => {
  it('is a D-task pile-up under high load, and is not blamed on an mmap lock', async () => {
    const { code, report } = await diagnose((dir) => writeIoStormTree(dir));
    assert.equal(code, 2);
    const ids = report.findings.map((f) => f.id);
    assert.ok(ids.includes('d-task-pileup@host'), ids.join(', '));
    assert.ok(ids.includes('load-high-cpus-idle@host'), ids.join(', '));
    assert.deepEqual(ids.filter((id) => id.startsWith('mmap-lock') || id.startsWith('proc-read')), []);
    const pileup = report.findings.find((f) => f.id === 'd-task-pileup@host')!;
    const evidence = (fact: string) => pileup.evidence.find((e) => e.fact === fact)?.value;
    const byClass = String(evidence('tasks.dByWaitClass'));
    assert.match(byClass, /^io_wait_block [0-9]{3}, writeback_throttle [0-9]+, jbd2_journal [0-9]+$/, 'most of the storm waits for block I/O; the rest are throttled writers and fsyncs waiting for the journal');
    assert.doesNotMatch(byClass, /mmap_lock/);
  });
});
