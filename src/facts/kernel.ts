import { parseSysctl } from '../parsers/sysctl.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type FactMap } from './fact.js';
import { lineRef, parseFile } from './read.js';

/** One-value files under /proc/sys: fact name -> path. */
const SYSCTL_FACTS: Record<string, string> = {
  'kernel.release': 'sys/kernel/osrelease',
  'kernel.hostname': 'sys/kernel/hostname',
  'kernel.pidMax': 'sys/kernel/pid_max',
  'kernel.threadsMax': 'sys/kernel/threads-max',
  'kernel.hungTaskTimeoutSecs': 'sys/kernel/hung_task_timeout_secs',
  'kernel.tainted': 'sys/kernel/tainted',
  'vm.overcommitMemory': 'sys/vm/overcommit_memory',
  'vm.overcommitRatio': 'sys/vm/overcommit_ratio',
  'vm.minFreeKb': 'sys/vm/min_free_kbytes',
  'vm.swappiness': 'sys/vm/swappiness',
};

/** Kernel identity and limits from /proc/sys. A value too large for a double is kept as its decimal text. */
export function kernelFacts(snapshot: Snapshot, facts: FactMap): void {
  for (const [name, path] of Object.entries(SYSCTL_FACTS)) {
    const parsed = parseFile(snapshot, path, parseSysctl);
    if (!parsed.ok) {
      facts.set(name, unknown(parsed.reason));
      continue;
    }
    const v = parsed.value;
    const value = typeof v === 'bigint' ? v.toString() : Array.isArray(v) ? v.map(Number) : v;
    facts.set(name, known(value, [lineRef(path, parsed.text, 1)]));
  }
}
