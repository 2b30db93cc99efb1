import { round } from './cpu-load.js';
import { known, unknown, type Fact, type FactMap } from './fact.js';

/** How close the host is to its system-wide limits: used / limit, computed after the task and vm facts. */
const LIMIT_RATIOS: Record<string, { used: string; limit: string }> = {
  'tasks.threadsMaxRatio': { used: 'tasks.threads.total', limit: 'kernel.threadsMax' },
  'tasks.pidMaxRatio': { used: 'tasks.threads.total', limit: 'kernel.pidMax' },
  'fs.filesRatio': { used: 'fs.filesAllocated', limit: 'fs.filesMax' },
};

export function limitFacts(facts: FactMap): void {
  for (const [name, { used, limit }] of Object.entries(LIMIT_RATIOS)) {
    facts.set(name, share(facts.get(used), facts.get(limit), used, limit));
  }
}

function share(used: Fact | undefined, limit: Fact | undefined, usedName: string, limitName: string): Fact {
  if (!used?.ok) return unknown(used ? used.reason : `needs ${usedName}`);
  if (!limit?.ok) return unknown(limit ? limit.reason : `needs ${limitName}`);
  const max = Number(limit.value);
  // file-max is ULONG_MAX (kept as text) on kernels that no longer limit file handles.
  if (!Number.isFinite(max) || max <= 0 || max > Number.MAX_SAFE_INTEGER) return unknown(`${limitName} is ${String(limit.value)}: no effective limit`, limit.sources);
  return known(round(Number(used.value) / max, 4), [...used.sources.slice(0, 1), ...limit.sources], 'ratio');
}
