import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { known, unknown, type FactMap } from '../../src/facts/fact.js';
import { notInIoWaitFact } from '../../src/facts/tasks.js';

function facts(d: number, blocked: number, frozen: number | string): FactMap {
  return new Map([
    ['tasks.threads.D', known(d, [{ path: '/proc/*/task/*/stat' }], 'threads')],
    ['tasks.procsBlocked', known(blocked, [{ path: '/proc/stat', line: 12, excerpt: `procs_blocked ${blocked}` }], 'tasks')],
    ['tasks.waitClass.cgroup_freezer', typeof frozen === 'number' ? known(frozen, [], 'threads') : unknown(frozen)],
  ]);
}

describe('tasks.threads.dNotInIoWait', () => {
  const cases: { name: string; input: FactMap; want: number | string }[] = [
    { name: 'lock waiters that procs_blocked misses (the seed: 6064 in D, procs_blocked 1)', input: facts(6064, 1, 0), want: 6063 },
    { name: 'frozen tasks are not counted as waiting', input: facts(30, 1, 21), want: 8 },
    { name: 'procs_blocked read a moment later than the states can exceed D: never below 0', input: facts(3, 5, 0), want: 0 },
    { name: 'unknown when the frozen count is (stacks unreadable)', input: facts(30, 1, 'stacks of 30 blocked threads unreadable: EACCES'), want: 'stacks of 30 blocked threads unreadable: EACCES' },
    { name: 'unknown without procs_blocked', input: new Map([...facts(30, 1, 0)].filter(([k]) => k !== 'tasks.procsBlocked')), want: 'needs tasks.procsBlocked' },
  ];
  for (const c of cases) {
    it(c.name, () => {
      notInIoWaitFact(c.input);
      const fact = c.input.get('tasks.threads.dNotInIoWait')!;
      if (typeof c.want === 'number') {
        assert.ok(fact.ok);
        assert.equal(fact.value, c.want);
        assert.equal(fact.unit, 'threads');
        assert.ok(fact.sources.some((s) => s.excerpt?.startsWith('procs_blocked')));
      } else {
        assert.ok(!fact.ok);
        assert.equal(fact.reason, c.want);
      }
    });
  }
});
