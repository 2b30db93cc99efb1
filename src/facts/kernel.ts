import { parseSysctl } from '../parsers/sysctl.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type Fact, type FactMap } from './fact.js';
import { lineRef, parseFile } from './read.js';

/** One-value files under /proc/sys: fact name -> path. */
const SYSCTL_FACTS: Record<string, string> = {
  'kernel.release': 'sys/kernel/osrelease',
  'kernel.hostname': 'sys/kernel/hostname',
  'kernel.pidMax': 'sys/kernel/pid_max',
  'kernel.threadsMax': 'sys/kernel/threads-max',
  'kernel.hungTaskTimeoutSecs': 'sys/kernel/hung_task_timeout_secs',
  'kernel.tainted': 'sys/kernel/tainted',
  'kernel.hungTaskWarnings': 'sys/kernel/hung_task_warnings',
  'kernel.hungTaskPanic': 'sys/kernel/hung_task_panic',
  'vm.panicOnOom': 'sys/vm/panic_on_oom',
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
  facts.set('kernel.taintFlags', taintFlags(facts.get('kernel.tainted')!));
}

/**
 * The letters the kernel prints after "Tainted:" in oops reports, by bit of /proc/sys/kernel/tainted
 * (kernel/panic.c taint_flags; Documentation/admin-guide/tainted-kernels.rst).
 */
export const TAINT_LETTERS = ['P', 'F', 'S', 'R', 'M', 'B', 'U', 'D', 'A', 'W', 'C', 'I', 'O', 'E', 'L', 'K', 'X', 'T', 'N'] as const;

function taintFlags(tainted: Fact): Fact {
  if (!tainted.ok) return unknown(tainted.reason, tainted.sources);
  const mask = BigInt(tainted.value as number | string);
  const letters = TAINT_LETTERS.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
  return known(letters, tainted.sources, 'taint letters');
}
