import { parseMeminfo, type Meminfo } from '../parsers/meminfo.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type Fact, type FactMap } from './fact.js';
import { round } from './cpu-load.js';
import { lineRef, parseFile } from './read.js';

/** meminfo keys read as kB facts: fact name -> /proc/meminfo key. */
const KB_FACTS: Record<string, string> = {
  'mem.totalKb': 'MemTotal',
  'mem.freeKb': 'MemFree',
  'mem.availableKb': 'MemAvailable',
  'mem.swapTotalKb': 'SwapTotal',
  'mem.swapFreeKb': 'SwapFree',
  'mem.commitLimitKb': 'CommitLimit',
  'mem.committedKb': 'Committed_AS',
  'mem.anonKb': 'AnonPages',
  'mem.slabUnreclaimableKb': 'SUnreclaim',
  'mem.pageTablesKb': 'PageTables',
  'mem.kernelStackKb': 'KernelStack',
};

/**
 * Memory facts from /proc/meminfo: sizes in kB as the file gives them, and the ratios rules
 * compare: Committed_AS / CommitLimit, MemFree / MemTotal, MemAvailable / MemTotal. MemAvailable
 * only exists from 3.14: on older kernels mem.availableKb is unknown, not estimated.
 */
export function memoryFacts(snapshot: Snapshot, facts: FactMap): void {
  const parsed = parseFile(snapshot, 'meminfo', parseMeminfo);
  if (!parsed.ok) {
    for (const name of [...Object.keys(KB_FACTS), ...RATIO_FACTS]) facts.set(name, unknown(parsed.reason));
    return;
  }
  const info = parsed.value;
  const fact = (key: string): Fact => {
    const entry = info.get(key);
    return entry
      ? known(entry.value, [lineRef('meminfo', parsed.text, entry.line)], 'kB')
      : unknown(`/proc/meminfo has no ${key} line (older kernel)`);
  };
  for (const [name, key] of Object.entries(KB_FACTS)) facts.set(name, fact(key));
  facts.set('mem.commitRatio', ratio(info, parsed.text, 'Committed_AS', 'CommitLimit', 2));
  facts.set('mem.freeRatio', ratio(info, parsed.text, 'MemFree', 'MemTotal', 3));
  facts.set('mem.availableRatio', ratio(info, parsed.text, 'MemAvailable', 'MemTotal', 3));
}

const RATIO_FACTS = ['mem.commitRatio', 'mem.freeRatio', 'mem.availableRatio'];

function ratio(info: Meminfo, text: string, top: string, bottom: string, digits: number): Fact {
  const a = info.get(top);
  const b = info.get(bottom);
  if (!a || !b) return unknown(`/proc/meminfo has no ${a ? bottom : top} line (older kernel)`);
  if (b.value === 0) return unknown(`/proc/meminfo: ${bottom} is 0`);
  return known(round(a.value / b.value, digits), [lineRef('meminfo', text, a.line), lineRef('meminfo', text, b.line)], 'ratio');
}
