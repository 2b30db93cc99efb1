import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadRuleBase } from '../../src/diagnose.js';
import type { Entity } from '../../src/facts/fact.js';
import { computeFacts } from '../../src/facts/index.js';
import { collect, DEFAULT_COLLECT } from '../../src/snapshot/collect.js';
import { DirSource } from '../../src/snapshot/dir-source.js';
import { labDown, labScenarios, labUnavailable, labUp, readTaskStat, type LabManifest, type LabScenario } from '../support/lab.js';

// Every lab scenario made real on this kernel, and each of its D tasks classified by procdx's
// own collection and signatures: the wait class the kernel's real stacks show, not a fixture's.
// While a scenario is up nothing here reads cmdline, environ or mem (procdx's guard does, and
// skips the contended process); ps, pgrep and pidof would hang.

/** The wait class each lab role's D task must get. */
const EXPECTED: Record<LabScenario, Record<string, string>> = {
  'mmap-lock': {
    reader: 'mmap_lock_read',
    faulter: 'mmap_lock_read',
    writer: 'mmap_lock_write',
    // H holds T's lock for read and sleeps inside it, in a fault waiting for the FUSE page: an I/O wait.
    lock_holder: 'io_wait_block',
  },
  'vfork-d': { vfork_parent: 'vfork' },
  'freezer-d': { frozen_sleeper: 'cgroup_freezer', frozen_spinner: 'cgroup_freezer' },
  // The buffered reader waits on the page lock of a page the FUSE server never fills: its stack
  // shows no FUSE frame, only the page wait. The O_DIRECT reader, once signalled, waits in FUSE itself.
  'fuse-read-d': { fuse_reader: 'io_wait_block', direct_reader: 'fuse' },
};

const catalog = loadRuleBase([], '/nonexistent-site-rules').catalog;

async function threadEntities(): Promise<Map<number, Entity>> {
  const snapshot = await collect(new DirSource('/proc'), { ...DEFAULT_COLLECT, statIntervalMs: 0 });
  const computed = computeFacts(snapshot, catalog);
  const byTid = new Map<number, Entity>();
  for (const e of computed.entities.thread) if (e.subject.kind === 'thread') byTid.set(e.subject.tid, e);
  return byTid;
}

async function waitForState(pid: number, state: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (readTaskStat(pid, pid)?.state === state) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

for (const scenario of labScenarios) {
  describe(`live lab ${scenario}: every D task gets the wait class of its real stack`, { skip: labUnavailable(scenario) ?? false }, () => {
    let lab: LabManifest;
    before(async () => {
      lab = await labUp(scenario);
    });
    after(async () => {
      await labDown(scenario);
      const left = lab.tasks.filter((t) => readTaskStat(t.pid, t.tid)?.state === 'D');
      assert.deepEqual(left, [], 'no lab task may be left in D');
    });

    it('classifies each role as expected', async () => {
      if (lab.scenario === 'fuse-read-d') {
        // SIGTERM after the server read the request: request_wait_answer falls through to an uninterruptible wait.
        process.kill(lab.direct_reader_pid, 'SIGTERM');
        assert.ok(await waitForState(lab.direct_reader_pid, 'D', 5000), 'the signalled O_DIRECT reader turns D');
      }
      const threads = await threadEntities();
      const wrong: string[] = [];
      let checked = 0;
      for (const task of lab.tasks) {
        const want = EXPECTED[scenario][task.role];
        if (!want) continue;
        const entity = threads.get(task.tid);
        const fact = (name: string): string => {
          const f = entity?.facts.get(name);
          return f?.ok ? String(f.value) : `unknown (${f ? f.reason : 'no entity'})`;
        };
        checked++;
        const got = fact('thread.waitClass');
        if (got !== want) wrong.push(`${task.role} ${task.pid}/${task.tid}: ${got}, expected ${want} (state ${fact('thread.state')}, wchan ${fact('thread.wchan')}, signature ${fact('thread.signature')})`);
      }
      assert.ok(checked > 0, 'the scenario has roles to check');
      assert.deepEqual(wrong, []);
    });
  });
}
