import { parsePressure, type Pressure } from '../parsers/pressure.js';
import { parseSysctl } from '../parsers/sysctl.js';
import { parseVmstat, type Vmstat } from '../parsers/vmstat.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { round } from './cpu-load.js';
import { known, unknown, type FactMap } from './fact.js';
import { lineRef, parseFile } from './read.js';

/** vmstat counters (since boot) as facts: fact name -> the keys summed (allocstall is split per zone from 4.x). */
const VMSTAT_FACTS: Record<string, { keys: RegExp; description: string }> = {
  'vm.compactStall': { keys: /^compact_stall$/, description: 'compact_stall' },
  'vm.compactFail': { keys: /^compact_fail$/, description: 'compact_fail' },
  'vm.allocStall': { keys: /^allocstall(_[a-z0-9]+)?$/, description: 'allocstall*' },
  'vm.oomKill': { keys: /^oom_kill$/, description: 'oom_kill' },
  'vm.pgMajFault': { keys: /^pgmajfault$/, description: 'pgmajfault' },
  'vm.pswpin': { keys: /^pswpin$/, description: 'pswpin' },
  'vm.pswpout': { keys: /^pswpout$/, description: 'pswpout' },
};

/** Rates over the interval between the two /proc/vmstat samples: rate fact -> the since-boot fact it is the rate of. */
const RATE_FACTS: Record<string, string> = {
  'vm.pswpinRate': 'vm.pswpin',
  'vm.pswpoutRate': 'vm.pswpout',
  'vm.allocStallRate': 'vm.allocStall',
  'vm.compactStallRate': 'vm.compactStall',
  'vm.pgMajFaultRate': 'vm.pgMajFault',
  'vm.oomKillRate': 'vm.oomKill',
};

/**
 * Reclaim, compaction and OOM counters from /proc/vmstat; pressure stall averages from
 * /proc/pressure/* (4.20+, when PSI is enabled); open file handles from /proc/sys/fs/file-nr.
 */
export function vmFacts(snapshot: Snapshot, facts: FactMap): void {
  const vmstat = parseFile(snapshot, 'vmstat', parseVmstat);
  for (const [name, spec] of Object.entries(VMSTAT_FACTS)) {
    if (!vmstat.ok) {
      facts.set(name, unknown(vmstat.reason));
      continue;
    }
    const entries = [...vmstat.value].filter(([key]) => spec.keys.test(key));
    facts.set(
      name,
      entries.length === 0
        ? unknown(`/proc/vmstat has no ${spec.description} counter (older kernel)`)
        : known(
            entries.reduce((sum, [, e]) => sum + e.value, 0),
            entries.map(([, e]) => lineRef('vmstat', vmstat.text, e.line)),
            'events since boot',
          ),
    );
  }

  rateFacts(snapshot, vmstat.ok ? vmstat.text : null, facts);

  for (const resource of ['cpu', 'memory', 'io'] as const) {
    const path = `pressure/${resource}`;
    const psi = parseFile(snapshot, path, parsePressure);
    for (const kind of ['some', 'full'] as const) {
      const name = `psi.${resource}.${kind}Avg10`;
      if (!psi.ok) {
        facts.set(name, unknown(psi.reason.endsWith('ENOENT') ? `${psi.reason} (PSI needs 4.20+ with CONFIG_PSI and psi=1)` : psi.reason));
        continue;
      }
      const line: Pressure[typeof kind] = psi.value[kind];
      const lineNo = psi.text.split('\n').findIndex((l) => l.startsWith(kind)) + 1;
      facts.set(
        name,
        line ? known(line.avg10, [lineRef(path, psi.text, lineNo)], 'percent') : unknown(`/proc/${path} has no '${kind}' line (cpu 'full' needs 5.13+)`),
      );
    }
  }

  const fileNr = parseFile(snapshot, 'sys/fs/file-nr', parseSysctl);
  if (fileNr.ok && Array.isArray(fileNr.value) && fileNr.value.length === 3) {
    const [allocated, , max] = fileNr.value.map(Number) as [number, number, number];
    const ref = [lineRef('sys/fs/file-nr', fileNr.text, 1)];
    facts.set('fs.filesAllocated', known(allocated, ref, 'handles'));
    facts.set('fs.filesMax', known(max, ref, 'handles'));
  } else {
    const reason = fileNr.ok ? '/proc/sys/fs/file-nr: expected three numbers' : fileNr.reason;
    facts.set('fs.filesAllocated', unknown(reason));
    facts.set('fs.filesMax', unknown(reason));
  }
}

/**
 * Per-second rates of the vmstat counters between the first sample and the second one taken at
 * the end of collection. A static tree or a snapshot with one sample has no rate: unknown, never 0.
 */
function rateFacts(snapshot: Snapshot, firstText: string | null, facts: FactMap): void {
  const second = snapshot.vmstatSecond;
  let reason: string | null = null;
  let later: Vmstat | null = null;
  if (firstText === null) reason = 'needs /proc/vmstat';
  else if (!second) reason = 'one sample of /proc/vmstat only (a snapshot from before procdx sampled it twice)';
  else if (!second.read.ok) reason = `second sample of /proc/vmstat: ${second.read.error}`;
  else if (second.read.text === firstText) reason = 'the two /proc/vmstat samples are the same text (a static tree): no rate over time';
  else {
    try {
      later = parseVmstat(second.read.text);
    } catch (err) {
      reason = `second sample of /proc/vmstat: ${(err as Error).message}`;
    }
  }
  for (const [name, base] of Object.entries(RATE_FACTS)) {
    const first = facts.get(base);
    if (!first?.ok) {
      facts.set(name, unknown(first ? first.reason : `needs ${base}`));
      continue;
    }
    if (reason !== null || later === null || !second) {
      facts.set(name, unknown(reason ?? 'no second sample'));
      continue;
    }
    const spec = VMSTAT_FACTS[base]!;
    const total = [...later].filter(([key]) => spec.keys.test(key)).reduce((sum, [, e]) => sum + e.value, 0);
    const seconds = second.intervalMs / 1000;
    facts.set(
      name,
      known(round(Math.max(0, total - Number(first.value)) / seconds, 1), [...first.sources, { path: '/proc/vmstat', excerpt: `second sample after ${second.intervalMs} ms: ${spec.description} ${total}` }], 'per second'),
    );
  }
}
