import { ParseError } from './parse-error.js';
import { safeInt } from './numbers.js';

/** One cpu line of /proc/stat, in USER_HZ ticks. Fields the kernel does not print (old kernels print 4, 7, 8 or 9 columns) are null. */
export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number | null;
  irq: number | null;
  softirq: number | null;
  steal: number | null;
  guest: number | null;
  guestNice: number | null;
  line: number;
}

export interface ProcStat {
  /** the "cpu" line */
  total: CpuTimes;
  /** "cpuN" lines, in file order */
  cpus: Array<CpuTimes & { cpu: number }>;
  /** counts[N] is irq_N */
  intr: { total: number; counts: number[]; line: number } | null;
  ctxt: number | null;
  btime: number | null;
  processes: number | null;
  procsRunning: number | null;
  procsBlocked: number | null;
  /** counts[N] is the softirq named SOFTIRQ_NAMES[N] */
  softirq: { total: number; counts: number[]; line: number } | null;
  /** 1-based line number of each first word (cpu, cpu0, intr, ctxt, btime, processes, procs_running, procs_blocked, softirq). */
  lines: Record<string, number>;
}

/** The softirq columns in kernel order (kernel/softirq.c softirq_to_name); kernels before 4.5 call IRQ_POLL "BLOCK_IOPOLL". */
export const SOFTIRQ_NAMES = ['HI', 'TIMER', 'NET_TX', 'NET_RX', 'BLOCK', 'IRQ_POLL', 'TASKLET', 'SCHED', 'HRTIMER', 'RCU'] as const;

const SCALARS = { ctxt: 'ctxt', btime: 'btime', processes: 'processes', procs_running: 'procsRunning', procs_blocked: 'procsBlocked' } as const;
type ScalarKey = keyof typeof SCALARS;

/**
 * /proc/stat (proc(5); Documentation/filesystems/proc.rst, "1.8 Miscellaneous kernel statistics").
 *
 *     cpu  301854 612 111922 8979004 3552 2 3944 0 0 0
 *     cpu0 44490 19 21045 1087069 220 1 3410 0 0 0
 *     intr 73777505 27 2 0 ...
 *     ctxt 38014093
 *     btime 1418183276
 *     processes 26442
 *     procs_running 2
 *     procs_blocked 1
 *     softirq 5057579 250191 1481983 1647 211099 186066 0 1783454 622196 12499 508444
 *
 * gives `{ total: { user: 301854, nice: 612, ..., guestNice: 0, line: 1 }, cpus: [{ cpu: 0, user: 44490, ... }],
 * intr: { total: 73777505, counts: [27, 2, 0, ...], line: 3 }, ctxt: 38014093, btime: 1418183276, processes: 26442,
 * procsRunning: 2, procsBlocked: 1, softirq: { total: 5057579, counts: [250191, ...], line: 9 }, lines: { cpu: 1, ... } }`.
 *
 * cpu lines need at least the 4 columns of pre-2.5.41 kernels; columns a kernel does not print are
 * null, and columns beyond the 10 known ones are ignored. Lines other than the known words (2.4's
 * page/swap, future additions) are ignored. A missing "cpu" line, a truncated known line or a value
 * that is not an unsigned integer is a ParseError.
 */
export function parseStat(text: string, path = '/proc/stat'): ProcStat {
  let total: CpuTimes | undefined;
  const cpus: ProcStat['cpus'] = [];
  const scalars: Record<ScalarKey, number | null> = { ctxt: null, btime: null, processes: null, procs_running: null, procs_blocked: null };
  let intr: ProcStat['intr'] = null;
  let softirq: ProcStat['softirq'] = null;
  const lines: Record<string, number> = {};

  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const line = i + 1;
    const fields = rows[i]!.trim().split(/\s+/);
    const key = fields[0]!;
    const values = fields.slice(1);
    const value = (n: number): number => {
      const token = values[n]!;
      const v = safeInt(token);
      if (v === undefined || v < 0) {
        throw new ParseError(path, line, `"${key}" value ${n + 1}: expected an unsigned integer, got "${token}"`);
      }
      return v;
    };
    const known = (): void => {
      if (!Object.hasOwn(lines, key)) lines[key] = line;
    };

    if (key === 'cpu') {
      known();
      total = cpuTimes(values.length, value, key, line, path);
    } else if (key.startsWith('cpu')) {
      const cpu = safeInt(key.slice(3));
      if (cpu === undefined || cpu < 0) continue;
      known();
      cpus.push({ cpu, ...cpuTimes(values.length, value, key, line, path) });
    } else if (Object.hasOwn(SCALARS, key)) {
      known();
      if (values.length !== 1) throw new ParseError(path, line, `"${key}" expected 1 value, got ${values.length}`);
      scalars[key as ScalarKey] = value(0);
    } else if (key === 'intr' || key === 'softirq') {
      known();
      if (values.length === 0) throw new ParseError(path, line, `"${key}" has no total`);
      const counts = new Array<number>(values.length - 1);
      for (let n = 1; n < values.length; n++) counts[n - 1] = value(n);
      const row = { total: value(0), counts, line };
      if (key === 'intr') intr = row;
      else softirq = row;
    }
  }
  if (total === undefined) throw new ParseError(path, undefined, 'no "cpu" line');
  return {
    total,
    cpus,
    intr,
    ctxt: scalars.ctxt,
    btime: scalars.btime,
    processes: scalars.processes,
    procsRunning: scalars.procs_running,
    procsBlocked: scalars.procs_blocked,
    softirq,
    lines,
  };
}

function cpuTimes(count: number, value: (n: number) => number, key: string, line: number, path: string): CpuTimes {
  if (count < 4) throw new ParseError(path, line, `"${key}" has ${count} values, expected at least 4`);
  const optional = (n: number): number | null => (n < count ? value(n) : null);
  return {
    user: value(0),
    nice: value(1),
    system: value(2),
    idle: value(3),
    iowait: optional(4),
    irq: optional(5),
    softirq: optional(6),
    steal: optional(7),
    guest: optional(8),
    guestNice: optional(9),
    line,
  };
}
