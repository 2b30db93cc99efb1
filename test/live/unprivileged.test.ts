import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/report/report.js';
import { compileSchema } from '../../src/schemas.js';
import { repoRoot } from '../support/paths.js';
import { startVforkD, taskState, vforkUnavailable, type VforkD } from '../support/vfork-d.js';

/** Why this machine cannot run procdx as another, unprivileged user; null when it can. */
function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to switch to the nobody user';
  if (spawnSync('setpriv', ['--version']).status !== 0) return 'needs setpriv (util-linux)';
  return vforkUnavailable();
}

describe('run as an unprivileged user on the live host', { skip: unavailable() ?? undefined }, () => {
  let task: VforkD;
  before(async () => {
    task = await startVforkD(); // a root-owned task in D, whose stack and fds nobody may read
  });
  after(async () => {
    await task?.release();
    assert.notEqual(taskState(task.parentPid), 'D');
  });

  it('stacks are reported unreadable and the rules that need them say not evaluated', () => {
    const run = spawnSync(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, join(repoRoot, 'bin', 'procdx.js'), 'diagnose', '--format', 'json', '--no-store'],
      { encoding: 'utf8', cwd: '/tmp', timeout: 30_000, killSignal: 'SIGKILL' },
    );
    assert.ok([0, 1, 2].includes(run.status ?? -1), `exit ${run.status}; stderr: ${run.stderr}`);
    assert.equal(run.stderr, '');
    const report = JSON.parse(run.stdout) as Report;
    const validate = compileSchema('report.schema.json');
    assert.ok(validate(report), JSON.stringify(validate.errors?.slice(0, 3)));

    const reasons = report.notEvaluated.map((n) => `${n.rule}: ${n.reason}`);
    const faults = report.notEvaluated.find((n) => n.rule === 'mmap-lock-fault-contention');
    assert.ok(faults, `mmap-lock-fault-contention must be not evaluated:\n${reasons.join('\n')}`);
    assert.match(faults.reason, /unreadable: EACCES \(reading \/proc\/PID\/stack needs root\)/);
    assert.ok(faults.subjects?.sample.some((s) => s.kind === 'process' && s.pid === task.parentPid), 'names the vfork parent');

    const readers = report.notEvaluated.find((n) => n.rule === 'mmap-lock-proc-readers');
    assert.ok(readers, `mmap-lock-proc-readers must be not evaluated:\n${reasons.join('\n')}`);
    assert.match(readers.reason, /fd links of \d+ processes with blocked threads unreadable: EACCES \(reading other users' fd links needs root\)/);

    assert.ok(report.unread.some((u) => u.reason === 'EACCES' && u.sample.some((p) => p.endsWith('/stack'))), 'the unreadable stacks are listed');
  });
});
