import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { computeFacts } from '../../src/facts/index.js';
import { loadRuleBase, type RuleBase } from '../../src/diagnose.js';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { startVforkD, taskState, vforkUnavailable, type VforkD } from '../support/vfork-d.js';

// These tests read this machine's real /proc on its real kernel.
const base: RuleBase = loadRuleBase([], '/nonexistent-site-rules');

function factValue(facts: ReturnType<typeof computeFacts>['facts'], name: string): unknown {
  const fact = facts.get(name);
  assert.ok(fact?.ok, `${name} should be known: ${fact && !fact.ok ? fact.reason : 'missing'}`);
  return fact.value;
}

describe('live /proc: task counts agree with ps', () => {
  it('threads by state match ps -eLo stat taken at the same moment, within churn', async () => {
    const before = psStates();
    const snapshot = await collect(new DirSource('/proc'), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    const after = psStates();
    const facts = computeFacts(snapshot, base.catalog).facts;
    const total = Number(factValue(facts, 'tasks.threads.total'));
    const psTotal = (before.total + after.total) / 2;
    // ps itself, its parent shell and short-lived tasks come and go between the readings.
    const tolerance = 5 + Math.abs(before.total - after.total);
    assert.ok(Math.abs(total - psTotal) <= tolerance, `procdx ${total} threads, ps ${before.total}..${after.total}`);
    for (const state of ['S', 'D', 'Z', 'I']) {
      const ours = Number(factValue(facts, `tasks.threads.${state}`));
      const lo = Math.min(before.byState[state] ?? 0, after.byState[state] ?? 0) - 5;
      const hi = Math.max(before.byState[state] ?? 0, after.byState[state] ?? 0) + 5;
      assert.ok(ours >= lo && ours <= hi, `state ${state}: procdx ${ours}, ps ${lo + 5}..${hi - 5}`);
    }
  });
});

describe('live /proc: a real D task', { skip: vforkUnavailable() ?? undefined }, () => {
  let task: VforkD;
  before(async () => {
    task = await startVforkD();
  });
  after(async () => {
    await task?.release();
    assert.notEqual(taskState(task.parentPid), 'D', 'the vfork parent must not be left in D');
  });

  it('is counted in D, with its wchan read and its stack classified as a vfork wait', async () => {
    const snapshot = await collect(new DirSource('/proc'), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    const computed = computeFacts(snapshot, base.catalog);
    assert.ok(Number(factValue(computed.facts, 'tasks.threads.D')) >= 1);
    const wchan = snapshot.files.get(`${task.parentPid}/task/${task.parentPid}/wchan`);
    assert.ok(wchan?.ok, 'the D task\'s wchan was read');
    assert.notEqual(wchan.text.trim(), '', 'a D task waits somewhere');
    const entity = computed.entities.process.find((e) => e.subject.kind === 'process' && e.subject.pid === task.parentPid);
    assert.ok(entity, 'the vfork parent is an entity');
    assert.equal((entity.facts.get('process.dThreads') as { value: unknown }).value, 1);
    assert.ok(Number(factValue(computed.facts, 'tasks.waitClass.vfork')) >= 1, 'its stack is classified as a vfork wait');
  });
});

function psStates(): { total: number; byState: Record<string, number> } {
  // ps reads every process's environ and cmdline: SIGKILL, since ps catches SIGTERM and a stuck mmap
  // lock elsewhere on the host would keep it in D.
  const out = execFileSync('ps', ['-eLo', 'stat='], { encoding: 'utf8', timeout: 10_000, killSignal: 'SIGKILL' });
  const byState: Record<string, number> = {};
  let total = 0;
  for (const line of out.split('\n')) {
    const state = line.trim()[0];
    if (!state) continue;
    byState[state] = (byState[state] ?? 0) + 1;
    total++;
  }
  return { total, byState };
}
