import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import { computeFacts } from '../../src/facts/index.js';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { labDown, labUnavailable, labUp, type FreezerDManifest } from '../support/lab.js';
import { taskState } from '../support/vfork-d.js';

describe('live: a frozen cgroup (lab freezer-d)', { skip: labUnavailable('freezer-d') ?? undefined }, () => {
  let lab: FreezerDManifest;
  before(async () => {
    lab = await labUp('freezer-d');
  });
  after(async () => {
    await labDown('freezer-d');
    assert.deepEqual(lab.tasks.filter((t) => taskState(t.tid) === 'D'), [], 'no lab task may be left in D');
  });

  it('the frozen spinner shows D and its stack is classified as a cgroup-freezer wait', async () => {
    const snapshot = await collect(new DirSource('/proc'), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
    const computed = computeFacts(snapshot, loadRuleBase([], '/nonexistent-site-rules').catalog);
    const spinner = computed.entities.thread.find((e) => e.subject.kind === 'thread' && e.subject.tid === lab.spinner_pid);
    assert.ok(spinner, 'the spinner is a thread entity');
    const value = (name: string): unknown => {
      const fact = spinner.facts.get(name);
      assert.ok(fact?.ok, `${name}: ${fact && !fact.ok ? fact.reason : 'missing'}`);
      return fact.value;
    };
    assert.equal(value('thread.state'), 'D');
    assert.equal(value('thread.waitClass'), 'cgroup_freezer');
    assert.equal(value('thread.signature'), 'cgroup-frozen');
  });
});
