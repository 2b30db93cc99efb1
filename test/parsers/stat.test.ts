import { describe, it } from 'node:test';
import { parseStat, SOFTIRQ_NAMES, type CpuTimes, type ProcStat } from '../../src/parsers/stat.js';
import { assertFact, factsOf, memo, readText, round, unknownFact, type Fact } from './corpus.js';
import { table, type Case } from './table.js';

const parse = memo((path) => parseStat(readText(path), path));

/** proc(5) column names, as the corpus spells them, to CpuTimes keys. */
const CPU_FIELDS: Record<string, keyof CpuTimes> = {
  user: 'user', nice: 'nice', system: 'system', idle: 'idle', iowait: 'iowait', irq: 'irq',
  softirq: 'softirq', steal: 'steal', guest: 'guest', guest_nice: 'guestNice',
};
const SCALARS: Record<string, keyof ProcStat> = {
  ctxt: 'ctxt', btime: 'btime', processes: 'processes', procs_running: 'procsRunning', procs_blocked: 'procsBlocked',
};

describe('parseStat: conformance corpus', () => {
  for (const { fact, path } of factsOf('stat')) {
    it(fact.id, () => assertFact(fact, actual(fact, parse(path))));
  }
});

function actual(fact: Fact, stat: ProcStat): unknown {
  if (fact.field === '=cpu_line_count') return stat.cpus.length;
  if (fact.field === '=cpu_busy_percent') {
    // insights sums every column, guest and guest_nice included, as the corpus README notes.
    const t = stat.total;
    const all = [t.user, t.nice, t.system, t.idle, t.iowait, t.irq, t.softirq, t.steal, t.guest, t.guestNice].reduce<number>((s, v) => s + (v ?? 0), 0);
    return round(((all - t.idle) * 100) / all, 2);
  }
  if (fact.field.startsWith('=')) unknownFact(fact);
  const line = fact.where?.line;
  if (line === undefined) return stat[SCALARS[fact.field] ?? unknownFact(fact)];
  if (line === 'intr' || line === 'softirq') {
    const row = stat[line];
    if (fact.field === 'total') return row?.total;
    const n = line === 'intr' ? Number(fact.field.replace(/^irq_/, '')) : SOFTIRQ_NAMES.indexOf(fact.field as (typeof SOFTIRQ_NAMES)[number]);
    if (!(n >= 0)) unknownFact(fact);
    return row?.counts[n];
  }
  const cpu = line === 'cpu' ? stat.total : stat.cpus.find((c) => `cpu${c.cpu}` === line);
  return cpu?.[CPU_FIELDS[fact.field] ?? unknownFact(fact)];
}

/** Every cpu line in the tricky cases below has the values 1, 2, 3, ... so columns are easy to check. */
function cpu(columns: number, line: number): CpuTimes {
  const v = (n: number): number | null => (n <= columns ? n : null);
  return { user: 1, nice: 2, system: 3, idle: 4, iowait: v(5), irq: v(6), softirq: v(7), steal: v(8), guest: v(9), guestNice: v(10), line };
}
const onlyCpu = (columns: number, extra: Partial<ProcStat> = {}): ProcStat => ({
  total: cpu(columns, 1), cpus: [], intr: null, ctxt: null, btime: null, processes: null, procsRunning: null, procsBlocked: null, softirq: null, lines: { cpu: 1 }, ...extra,
});
const KERNELS: Array<[number, string]> = [
  [4, 'before 2.5.41'], [7, '2.5.41 to 2.6.10'], [8, '2.6.11 (steal)'], [9, '2.6.24 (guest)'], [10, '2.6.33 (guest_nice)'],
];
const OLD_KERNELS = KERNELS.map(([columns, kernel]): Case<ProcStat> => ({
  name: `cpu line with ${columns} columns: ${kernel}`,
  input: `cpu ${[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].slice(0, columns).join(' ')}\n`,
  want: onlyCpu(columns),
}));

table('parseStat: tricky inputs', [
  {
    name: 'doc sample',
    input:
      'cpu  301854 612 111922 8979004 3552 2 3944 0 0 0\ncpu0 44490 19 21045 1087069 220 1 3410 0 0 0\nintr 73777505 27 2 0\n' +
      'ctxt 38014093\nbtime 1418183276\nprocesses 26442\nprocs_running 2\nprocs_blocked 1\n' +
      'softirq 5057579 250191 1481983 1647 211099 186066 0 1783454 622196 12499 508444\n',
    want: {
      total: { user: 301854, nice: 612, system: 111922, idle: 8979004, iowait: 3552, irq: 2, softirq: 3944, steal: 0, guest: 0, guestNice: 0, line: 1 },
      cpus: [{ cpu: 0, user: 44490, nice: 19, system: 21045, idle: 1087069, iowait: 220, irq: 1, softirq: 3410, steal: 0, guest: 0, guestNice: 0, line: 2 }],
      intr: { total: 73777505, counts: [27, 2, 0], line: 3 },
      ctxt: 38014093, btime: 1418183276, processes: 26442, procsRunning: 2, procsBlocked: 1,
      softirq: { total: 5057579, counts: [250191, 1481983, 1647, 211099, 186066, 0, 1783454, 622196, 12499, 508444], line: 9 },
      lines: { cpu: 1, cpu0: 2, intr: 3, ctxt: 4, btime: 5, processes: 6, procs_running: 7, procs_blocked: 8, softirq: 9 },
    },
  },
  ...OLD_KERNELS,
  { name: 'columns beyond the known 10 are ignored', input: 'cpu 1 2 3 4 5 6 7 8 9 10 11\n', want: onlyCpu(10) },
  {
    name: '2.4 page and swap lines are ignored',
    input: 'cpu 1 2 3 4\npage 5741 1808\nswap 1 0\nctxt 7\n',
    want: onlyCpu(4, { ctxt: 7, lines: { cpu: 1, ctxt: 4 } }),
  },
  { name: 'intr with no per-irq counts', input: 'cpu 1 2 3 4\nintr 5\n', want: onlyCpu(4, { intr: { total: 5, counts: [], line: 2 }, lines: { cpu: 1, intr: 2 } }) },
  { name: 'empty file', input: '', wantError: '/proc/stat: no "cpu" line' },
  { name: 'truncated cpu line', input: 'cpu 1 2 3\n', wantError: '/proc/stat:1: "cpu" has 3 values, expected at least 4' },
  { name: 'truncated cpuN line', input: 'cpu 1 2 3 4\ncpu0 1 2', wantError: '/proc/stat:2: "cpu0" has 2 values, expected at least 4' },
  { name: 'truncated ctxt line', input: 'cpu 1 2 3 4\nctxt', wantError: '/proc/stat:2: "ctxt" expected 1 value, got 0' },
  { name: 'truncated intr line', input: 'cpu 1 2 3 4\nintr', wantError: '/proc/stat:2: "intr" has no total' },
  { name: 'negative tick count', input: 'cpu 1 -2 3 4\n', wantError: '/proc/stat:1: "cpu" value 2: expected an unsigned integer, got "-2"' },
  { name: 'garbage in intr', input: 'cpu 1 2 3 4\nintr 3 1 x\n', wantError: '/proc/stat:2: "intr" value 3: expected an unsigned integer, got "x"' },
], (input) => parseStat(input));
