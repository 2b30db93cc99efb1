import { parsePressure, type Pressure } from '../parsers/pressure.js';
import { parseSysctl } from '../parsers/sysctl.js';
import { parseVmstat } from '../parsers/vmstat.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type FactMap } from './fact.js';
import { lineRef, parseFile } from './read.js';

/** vmstat counters (since boot) as facts: fact name -> the keys summed (allocstall is split per zone from 4.x). */
const VMSTAT_FACTS: Record<string, { keys: RegExp; description: string }> = {
  'vm.compactStall': { keys: /^compact_stall$/, description: 'compact_stall' },
  'vm.compactFail': { keys: /^compact_fail$/, description: 'compact_fail' },
  'vm.allocStall': { keys: /^allocstall(_[a-z0-9]+)?$/, description: 'allocstall*' },
  'vm.oomKill': { keys: /^oom_kill$/, description: 'oom_kill' },
  'vm.pgMajFault': { keys: /^pgmajfault$/, description: 'pgmajfault' },
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
