import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Report } from '../../src/report/report.js';
import { fixturesDir } from '../support/paths.js';
import { runCli } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-e2e-kernel-log-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A /proc tree from another host (the procfs conformance tree), and that host's dmesg: one hung task, one OOM kill. */
const tree = join(fixturesDir, 'conformance', 'procfs-fixtures', 'proc');
const log = join(tmp, 'dmesg.txt');
writeFileSync(
  log,
  [
    '[ 5000.000000] INFO: task nfsd:26231 blocked for more than 120 seconds.',
    '[ 5000.000010]       Not tainted 5.15.0-91-generic #101-Ubuntu',
    '[ 5000.000020] task:nfsd            state:D stack:0     pid:26231 ppid:2      flags:0x00004000',
    '[ 5000.000030] Call Trace:',
    '[ 5000.000040]  <TASK>',
    '[ 5000.000050]  __schedule+0x24e/0x590',
    '[ 5000.000060]  schedule+0x69/0x110',
    '[ 5000.000070]  jbd2_log_wait_commit+0xac/0x120',
    '[ 5000.000080]  ext4_sync_file+0x21f/0x380',
    '[ 5000.000090]  </TASK>',
    '[ 5100.000000] Out of memory: Killed process 26232 (java) total-vm:9876543kB, anon-rss:8765432kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:20480kB oom_score_adj:0',
    '[ 5160.000000] IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
    '',
  ].join('\n'),
);

const json = async (args: string[]): Promise<Report> => {
  const r = await runCli(['diagnose', '--format', 'json', ...args]);
  assert.ok([0, 1, 2].includes(r.code), `exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Report;
};

describe('the kernel log of a /proc tree (--kernel-log)', () => {
  it('diagnose reads it: the hung task with its wait class, the OOM kill with its victim', async () => {
    const report = await json(['--proc-root', tree, '--kernel-log', log]);
    const hung = report.findings.find((f) => f.rule === 'hung-task-reports-in-log');
    assert.equal(
      hung?.message,
      'The kernel reported 1 tasks hung in D (1 hung-task reports, blocked up to 120 s; seconds from the last report to the end of the log: 160); wait classes of their call traces: jbd2_journal 1; tasks: nfsd (26231)',
    );
    assert.ok(hung.evidence.some((e) => e.sources.some((s) => s.path === log && s.line === 1)), JSON.stringify(hung.evidence));
    const oom = report.findings.find((f) => f.rule === 'oom-kills-in-log');
    assert.match(oom?.message ?? '', /the last was java \(26232\) \(seconds from it to the end of the log: 60\)/);
  });

  it('without it, the rules on the kernel log are not evaluated, and say how to give one', async () => {
    const report = await json(['--proc-root', tree]);
    const missing = report.notEvaluated.find((n) => n.rule === 'hung-task-reports-in-log');
    assert.match(missing?.reason ?? '', /kmsg\.hungTasks: no kernel log for a proc-root tree; pass --kernel-log FILE/);
    assert.ok(!report.unread.some((u) => u.sample.some((p) => p.includes('kmsg'))), 'a log not asked for is not an unread file');
  });

  it('capture keeps it, and diagnose --snapshot gives the same findings', async () => {
    const archive = join(tmp, 'tree.tar.gz');
    const captured = await runCli(['capture', '--proc-root', tree, '--kernel-log', log, '-o', archive]);
    assert.equal(captured.code, 0, captured.stderr);
    const direct = await json(['--proc-root', tree, '--kernel-log', log]);
    const replayed = await json(['--snapshot', archive]);
    assert.equal(JSON.stringify(replayed.findings), JSON.stringify(direct.findings));
    assert.equal(JSON.stringify(replayed.notEvaluated), JSON.stringify(direct.notEvaluated));
  });

  it('a --kernel-log that is not a file, or given with --snapshot: exit 3 with what to do', async () => {
    const missing = await runCli(['diagnose', '--proc-root', tree, '--kernel-log', join(tmp, 'nope')]);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /--kernel-log .*nope: not a regular file; give a file of \/dev\/kmsg records or dmesg output/);
    const both = await runCli(['diagnose', '--snapshot', join(tmp, 'x.tar.gz'), '--kernel-log', log]);
    assert.equal(both.code, 3);
    assert.match(both.stderr, /cannot be used with option '--kernel-log <file>'/);
  });
});
