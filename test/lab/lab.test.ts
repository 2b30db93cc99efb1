import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  labDown,
  labScenarios,
  labUnavailable,
  labUp,
  readFdLinks,
  readTaskStat,
  readWchan,
  type LabManifest,
} from '../support/lab.js';

// The lab makes the real kernel produce D states (test/lab/README.md). While a scenario is up
// these tests read only /proc/PID/task/TID/stat, wchan and fd links: cmdline, environ, smaps,
// pagemap and mem of the lab's target would block, and so would ps, pgrep and pidof.

const settleMs = 5000;
const hookTimeout = { timeout: 150_000 };

interface Mismatch {
  role: string;
  pid: number;
  tid: number;
  expect: string;
  state: string;
  wchan: string;
}

/** Tasks not (yet) in their expected state; a task that is gone shows as state "gone". */
function mismatches(manifest: LabManifest): Mismatch[] {
  const out: Mismatch[] = [];
  for (const t of manifest.tasks) {
    const state = readTaskStat(t.pid, t.tid)?.state ?? 'gone';
    if (state !== t.expect) out.push({ ...t, state, wchan: readWchan(t.pid, t.tid) });
  }
  return out;
}

/** Polls until every task shows its expected state at once, or the deadline passes. */
async function settle(manifest: LabManifest): Promise<Mismatch[]> {
  const deadline = Date.now() + settleMs;
  let bad = mismatches(manifest);
  while (bad.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    bad = mismatches(manifest);
  }
  return bad;
}

function format(bad: Mismatch[]): string {
  return bad.map((m) => `${m.role} ${m.pid}/${m.tid}: state ${m.state}, expected ${m.expect} (wchan ${m.wchan || '-'})`).join('\n');
}

for (const scenario of labScenarios) {
  describe(`lab ${scenario}: the kernel shows each task's expected state`, { skip: labUnavailable(scenario) ?? false }, () => {
    let manifest: LabManifest | undefined;
    // start time of each task seen while up, so a pid reused after down is not mistaken for it
    const startTimes = new Map<string, string>();
    const key = (pid: number, tid: number): string => `${pid}/${tid}`;

    before(async () => {
      manifest = await labUp(scenario);
      for (const t of manifest.tasks) {
        const stat = readTaskStat(t.pid, t.tid);
        if (stat) startTimes.set(key(t.pid, t.tid), stat.startTime);
      }
    }, hookTimeout);

    after(async () => {
      if (!manifest) return; // up failed: lab.sh took down what it had started, or it was not ours
      let downError: unknown;
      try {
        await labDown(scenario);
      } catch (err) {
        downError = err;
      }
      const stuck = manifest.tasks
        .filter((t) => {
          const stat = readTaskStat(t.pid, t.tid);
          return stat?.state === 'D' && stat.startTime === startTimes.get(key(t.pid, t.tid));
        })
        .map((t) => `${t.role} ${t.pid}/${t.tid} (wchan ${readWchan(t.pid, t.tid) || '-'})`);
      if (downError) {
        throw new Error(`${(downError as Error).message}\nlab tasks still in D: ${stuck.join(', ') || 'none'}`);
      }
      assert.deepEqual(stuck, [], 'no lab task may be left in D after down');
    }, hookTimeout);

    it('every task the lab started shows the state it expects', async () => {
      assert.ok(manifest, 'the scenario is up');
      assert.equal(manifest.scenario, scenario);
      assert.ok(manifest.tasks.some((t) => t.expect === 'D'), 'the scenario has at least one task that should be in D');
      const bad = await settle(manifest);
      assert.equal(bad.length, 0, `tasks not in their expected state after ${settleMs} ms:\n${format(bad)}`);
    });

    if (scenario === 'mmap-lock') {
      it("the blocked readers' fd links name the target's cmdline", () => {
        assert.ok(manifest?.scenario === 'mmap-lock', 'the scenario is up');
        assert.ok(manifest.readers.length > 0, 'the scenario has readers');
        for (const reader of manifest.readers) {
          const links = readFdLinks(reader);
          assert.ok(links.includes(manifest.reader_file), `reader ${reader} fd links ${JSON.stringify(links)} should include ${manifest.reader_file}`);
        }
      });
    }
  });
}
