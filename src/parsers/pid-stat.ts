import { ParseError } from './parse-error.js';
import { intAt } from './numbers.js';

/** All 52 fields with proc(5) names. Values beyond 2^53 (rsslim, wchan, INT64 edges) are bigint; others number. Fields an older kernel does not print are absent (undefined). */
export interface PidStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  tty_nr: number;
  tpgid: number;
  flags: number;
  minflt: number;
  cminflt: number;
  majflt: number;
  cmajflt: number;
  utime: number;
  stime: number;
  cutime: number | bigint;
  cstime: number | bigint;
  priority: number;
  nice: number;
  num_threads: number;
  itrealvalue: number;
  starttime: number;
  vsize: number;
  rss: number;
  rsslim: number | bigint;
  /** every remaining field 26..52 by proc(5) name (startcode, endcode, startstack, kstkesp, kstkeip, signal, blocked, sigignore, sigcatch, wchan, nswap, cnswap, exit_signal, processor, rt_priority, policy, delayacct_blkio_ticks, guest_time, cguest_time, start_data, end_data, start_brk, arg_start, arg_end, env_start, env_end, exit_code) */
  [field: string]: number | bigint | string | undefined;
}

/** The proc(5) names of the stat fields; PID_STAT_FIELDS[n - 1] is field n. */
export const PID_STAT_FIELDS = [
  'pid', 'comm', 'state', 'ppid', 'pgrp', 'session', 'tty_nr', 'tpgid', 'flags', 'minflt',
  'cminflt', 'majflt', 'cmajflt', 'utime', 'stime', 'cutime', 'cstime', 'priority', 'nice', 'num_threads',
  'itrealvalue', 'starttime', 'vsize', 'rss', 'rsslim', 'startcode', 'endcode', 'startstack', 'kstkesp', 'kstkeip',
  'signal', 'blocked', 'sigignore', 'sigcatch', 'wchan', 'nswap', 'cnswap', 'exit_signal', 'processor', 'rt_priority',
  'policy', 'delayacct_blkio_ticks', 'guest_time', 'cguest_time', 'start_data', 'end_data', 'start_brk', 'arg_start', 'arg_end', 'env_start',
  'env_end', 'exit_code',
] as const;

/** Fields 1..25 are typed as present in PidStat, so a line without them is unusable. */
const REQUIRED_FIELDS = 25;
const SPACE = 32;

/**
 * /proc/PID/stat and /proc/PID/task/TID/stat (proc(5); Documentation/filesystems/proc.rst, table 1-4).
 *
 *     26231 (vim) R 5392 7446 5392 34835 7446 4218880 32533 309516 26 82 1677 44 158 99 20 0 1 0 82375 56274944 1981 18446744073709551615 ...
 *
 * gives `{ pid: 26231, comm: "vim", state: "R", ppid: 5392, ..., utime: 1677, stime: 44, ..., rsslim: 18446744073709551615n,
 * startcode: 4194304, ... }` with every field by its proc(5) name (see PID_STAT_FIELDS).
 *
 * comm is the text between the first "(" and the last ")": the kernel prints the name raw, so it may
 * hold spaces, parentheses and even newlines (`1020 ((a b ) ( c d) ) R ...` has comm "(a b ) ( c d) ").
 * The fields end at the first newline after comm; later lines are ignored. `pid` is the one in the
 * file, which in a PID namespace can differ from the directory name. Fewer than 25 fields, a state
 * that is not one character, or a field that is not an integer is a ParseError; fields 1..25 other
 * than cutime, cstime and rsslim must also fit in 2^53.
 *
 * This runs once per task (10,000+ per snapshot), so it scans the line once without regular
 * expressions or a split, and allocates only the result and its strings.
 */
export function parsePidStat(text: string, path: string): PidStat {
  const { pid, comm, close } = pidAndComm(text, path);
  const stat = { pid, comm } as PidStat;
  const byName: Record<string, number | bigint | string | undefined> = stat;

  let end = text.indexOf('\n', close);
  if (end < 0) end = text.length;
  let field = 2;
  let i = close + 1;
  for (;;) {
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (i >= end) break;
    const start = i;
    while (i < end && text.charCodeAt(i) !== SPACE) i++;
    field++;
    if (field === 3) {
      if (i - start !== 1) throw new ParseError(path, lineOf(text, start), `state: expected one letter, got "${text.slice(start, i)}"`);
      stat.state = text[start]!;
    } else if (field <= PID_STAT_FIELDS.length) {
      const name = PID_STAT_FIELDS[field - 1]!;
      const value = intAt(text, start, i);
      if (value === undefined) {
        throw new ParseError(path, lineOf(text, start), `field ${field} (${name}): expected an integer, got "${text.slice(start, i)}"`);
      }
      if (typeof value === 'bigint' && field <= REQUIRED_FIELDS && field !== 16 && field !== 17 && field !== 25) {
        throw new ParseError(path, lineOf(text, start), `field ${field} (${name}): ${value} is beyond 2^53`);
      }
      byName[name] = value;
    }
    // Fields past 52 (a future kernel's additions) have no name yet and are skipped.
  }
  if (field < REQUIRED_FIELDS) {
    throw new ParseError(path, lineOf(text, end), `expected at least ${REQUIRED_FIELDS} fields, got ${field}`);
  }
  return stat;
}

/**
 * pid and comm, and where comm's ")" is. It is the last ")" of the whole text, not of the first
 * line: comm may contain a newline, and the fields after comm never contain ")".
 */
function pidAndComm(text: string, path: string): { pid: number; comm: string; close: number } {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new ParseError(path, 1, 'expected "pid (comm) state ...", found no "(comm)"');
  let pidEnd = open;
  while (pidEnd > 0 && text.charCodeAt(pidEnd - 1) === SPACE) pidEnd--;
  const pid = intAt(text, 0, pidEnd);
  if (typeof pid !== 'number' || pid < 0) {
    throw new ParseError(path, 1, `pid: expected an unsigned integer, got "${text.slice(0, pidEnd)}"`);
  }
  return { pid, comm: text.slice(open + 1, close), close };
}

/** 1-based line of a position; only called on the error path. */
function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}


/** The fields that identify a task and place it in the process tree. */
export interface PidStatHead {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
}

/**
 * The first four fields of /proc/PID/stat (pid, comm, state, ppid), for the per-task pass that
 * needs nothing else: the same rules as parsePidStat for those fields, without reading the other
 * 48 (a whole parse of 10,000+ tasks costs twice as much). `26231 (vim) R 5392 ...` gives
 * `{ pid: 26231, comm: "vim", state: "R", ppid: 5392 }`.
 */
export function parsePidStatHead(text: string, path: string): PidStatHead {
  const { pid, comm, close } = pidAndComm(text, path);
  const state = text.charAt(close + 2);
  if (text.charCodeAt(close + 1) !== SPACE || state === '' || state === ' ' || (text.charCodeAt(close + 3) !== SPACE)) {
    throw new ParseError(path, lineOf(text, close), `state: expected one letter after "(comm) ", got "${text.slice(close + 1, close + 5)}"`);
  }
  let end = close + 4;
  while (end < text.length && text.charCodeAt(end) !== SPACE && text.charCodeAt(end) !== 10) end++;
  const ppid = intAt(text, close + 4, end);
  if (typeof ppid !== 'number') throw new ParseError(path, lineOf(text, close), `field 4 (ppid): expected an integer, got "${text.slice(close + 4, end)}"`);
  return { pid, comm, state, ppid };
}
