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
  'mem.slabReclaimableKb': 'SReclaimable',
  'mem.shmemKb': 'Shmem',
  'mem.dirtyKb': 'Dirty',
  'mem.writebackKb': 'Writeback',
  'mem.hugepageSizeKb': 'Hugepagesize',
};

/** meminfo counts of default-size huge pages: fact name -> key. */
const PAGE_FACTS: Record<string, string> = {
  'mem.hugePagesTotal': 'HugePages_Total',
  'mem.hugePagesFree': 'HugePages_Free',
  'mem.hugePagesReserved': 'HugePages_Rsvd',
};

/**
 * Memory facts from /proc/meminfo: sizes in kB as the file gives them, and the ratios rules
 * compare: Committed_AS / CommitLimit, MemFree / MemTotal, MemAvailable / MemTotal. MemAvailable
 * only exists from 3.14: on older kernels mem.availableKb is unknown, not estimated.
 */
export function memoryFacts(snapshot: Snapshot, facts: FactMap): void {
  const parsed = parseFile(snapshot, 'meminfo', parseMeminfo);
  if (!parsed.ok) {
    for (const name of [...Object.keys(KB_FACTS), ...Object.keys(PAGE_FACTS), ...RATIO_FACTS]) facts.set(name, unknown(parsed.reason));
    return;
  }
  const info = parsed.value;
  const fact = (key: string, unit: string): Fact => {
    const entry = info.get(key);
    return entry
      ? known(entry.value, [lineRef('meminfo', parsed.text, entry.line)], unit)
      : unknown(`/proc/meminfo has no ${key} line (older kernel, or a kernel built without it)`);
  };
  for (const [name, key] of Object.entries(KB_FACTS)) facts.set(name, fact(key, 'kB'));
  for (const [name, key] of Object.entries(PAGE_FACTS)) facts.set(name, fact(key, 'pages'));
  facts.set('mem.commitRatio', ratio(info, parsed.text, 'Committed_AS', 'CommitLimit', 2));
  facts.set('mem.freeRatio', ratio(info, parsed.text, 'MemFree', 'MemTotal', 3));
  facts.set('mem.availableRatio', ratio(info, parsed.text, 'MemAvailable', 'MemTotal', 3));
  facts.set('mem.slabUnreclaimableRatio', ratio(info, parsed.text, 'SUnreclaim', 'MemTotal', 3));
  facts.set('mem.pageTablesRatio', ratio(info, parsed.text, 'PageTables', 'MemTotal', 3));
  facts.set('mem.swapUsedRatio', swapUsed(info, parsed.text));
  facts.set('mem.hugePagesRatio', hugePagesShare(info, parsed.text));
}

const RATIO_FACTS = [
  'mem.commitRatio',
  'mem.freeRatio',
  'mem.availableRatio',
  'mem.slabUnreclaimableRatio',
  'mem.pageTablesRatio',
  'mem.swapUsedRatio',
  'mem.hugePagesRatio',
];

function swapUsed(info: Meminfo, text: string): Fact {
  const total = info.get('SwapTotal');
  const free = info.get('SwapFree');
  if (!total || !free) return unknown(`/proc/meminfo has no ${total ? 'SwapFree' : 'SwapTotal'} line`);
  if (total.value === 0) return unknown('no swap configured (SwapTotal is 0)', [lineRef('meminfo', text, total.line)]);
  return known(round((total.value - free.value) / total.value, 3), [lineRef('meminfo', text, total.line), lineRef('meminfo', text, free.line)], 'ratio');
}

/** Memory set aside as default-size huge pages (HugePages_Total x Hugepagesize), as a share of MemTotal. */
function hugePagesShare(info: Meminfo, text: string): Fact {
  const pages = info.get('HugePages_Total');
  const size = info.get('Hugepagesize');
  const total = info.get('MemTotal');
  if (!pages || !size || !total) return unknown('/proc/meminfo has no HugePages_Total, Hugepagesize or MemTotal line (kernel without hugetlbfs)');
  if (total.value === 0) return unknown('/proc/meminfo: MemTotal is 0');
  return known(
    round((pages.value * size.value) / total.value, 3),
    [pages, size, total].map((e) => lineRef('meminfo', text, e.line)),
    'ratio',
  );
}

function ratio(info: Meminfo, text: string, top: string, bottom: string, digits: number): Fact {
  const a = info.get(top);
  const b = info.get(bottom);
  if (!a || !b) return unknown(`/proc/meminfo has no ${a ? bottom : top} line (older kernel)`);
  if (b.value === 0) return unknown(`/proc/meminfo: ${bottom} is 0`);
  return known(round(a.value / b.value, digits), [lineRef('meminfo', text, a.line), lineRef('meminfo', text, b.line)], 'ratio');
}
