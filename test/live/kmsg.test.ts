import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import { computeFacts } from '../../src/facts/index.js';
import type { Report } from '../../src/report/report.js';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { readKmsg } from '../../src/snapshot/kernel-log.js';
import { repoRoot } from '../support/paths.js';

// These tests read this machine's real /dev/kmsg. Writing a line to it needs root.

const base = loadRuleBase([], '/nonexistent-site-rules');

function rootUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to write a marker to /dev/kmsg';
  try {
    readFileSync('/proc/sys/kernel/printk_devkmsg', 'utf8');
  } catch {
    return 'no /proc/sys/kernel/printk_devkmsg: no /dev/kmsg to test';
  }
  return null;
}

describe('live /dev/kmsg as root', { skip: rootUnavailable() ?? undefined }, () => {
  it('reads to the end without blocking and finds a line just written, as a user-space line', async () => {
    const marker = `procdx-test-${randomBytes(6).toString('hex')}`;
    writeFileSync('/dev/kmsg', `${marker}\n`);
    const started = performance.now();
    const capture = await readKmsg();
    const ms = performance.now() - started;
    assert.ok(capture.read.ok, JSON.stringify(capture.read));
    assert.equal(capture.source, '/dev/kmsg');
    // EAGAIN ends the read: it returns at once although no new record comes.
    assert.ok(ms < 1000, `took ${ms} ms`);
    const line = capture.read.text.split('\n').find((l) => l.endsWith(`;${marker}`));
    assert.ok(line, `${marker} not found in ${capture.read.text.length} bytes`);
    // Priority 12: facility 1 (user), level 4 (the default for writes).
    assert.match(line, /^12,\d+,\d+,[^;]*;procdx-test-/);
    const stamp = Number(line.split(',')[2]) / 1e6;
    assert.ok(capture.readAtSecs !== undefined && Math.abs(capture.readAtSecs - stamp) < 5, `record at ${stamp} s, read at ${capture.readAtSecs} s: printk's clock and the monotonic clock disagree`);
  });

  it('a hung-task or OOM line written by user space is not taken for the kernel\'s', async () => {
    const tag = randomBytes(4).toString('hex');
    writeFileSync('/dev/kmsg', `INFO: task procdx${tag}:1 blocked for more than 120 seconds.\n`);
    writeFileSync('/dev/kmsg', `Out of memory: Killed process 1 (procdx${tag}) total-vm:1kB\n`);
    const snapshot = await collect(new DirSource('/proc'), { ...DEFAULT_COLLECT, statIntervalMs: 0, kernelLog: { kind: 'kmsg' } });
    assert.ok(snapshot.kernelLog?.read.ok && snapshot.kernelLog.read.text.includes(`procdx${tag}`), 'the lines were read');
    const facts = computeFacts(snapshot, base.catalog).facts;
    const names = facts.get('kmsg.hungTaskNames');
    assert.ok(names?.ok && Array.isArray(names.value) && !names.value.some((n) => String(n).includes(tag)), JSON.stringify(names));
    const victim = facts.get('kmsg.lastOomVictim');
    assert.ok(victim?.ok && !String(victim.value).includes(tag), JSON.stringify(victim));
  });
});

function unprivilegedUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to switch to the nobody user';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'needs setpriv (util-linux)';
  return null;
}

describe('live /dev/kmsg as an unprivileged user', { skip: unprivilegedUnavailable() ?? undefined }, () => {
  it('with kernel.dmesg_restrict=1 the rules on the kernel log are not evaluated, with the reason, and /dev/kmsg is listed unread; with 0 it is read', () => {
    const restricted = readFileSync('/proc/sys/kernel/dmesg_restrict', 'utf8').trim() === '1';
    const run = spawnSync(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, join(repoRoot, 'bin', 'procdx.js'), 'diagnose', '--format', 'json', '--no-store'],
      { encoding: 'utf8', cwd: '/tmp', timeout: 30_000, killSignal: 'SIGKILL' },
    );
    assert.ok([0, 1, 2].includes(run.status ?? -1), `exit ${run.status}: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as Report;
    const hung = report.notEvaluated.find((n) => n.rule === 'hung-task-reports-in-log');
    if (restricted) {
      assert.equal(hung?.reason, 'kmsg.hungTasks: /dev/kmsg: EPERM (reading the kernel log needs root, CAP_SYSLOG, or kernel.dmesg_restrict=0)');
      assert.ok(report.unread.some((u) => u.reason === 'EPERM' && u.sample.includes('/dev/kmsg')), JSON.stringify(report.unread));
    } else {
      assert.equal(hung, undefined, 'the log is readable: the rule is evaluated');
    }
  });
});
