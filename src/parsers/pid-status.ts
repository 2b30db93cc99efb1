import { ParseError } from './parse-error.js';
import { safeInt } from './numbers.js';

/** /proc/PID/status: key -> raw value text (trimmed), with its line. Starts-with-empty-line and space-separated variants tolerated. */
export interface StatusEntry {
  raw: string;
  line: number;
}

export type PidStatus = Map<string, StatusEntry>;

/**
 * /proc/PID/status and /proc/PID/task/TID/status (proc(5); Documentation/filesystems/proc.rst, table 1-2).
 *
 *     Name:	prometheus
 *     State:	S (sleeping)
 *     Uid:	1000	1000	1000	0
 *     VmRSS:	    6716 kB
 *     Groups:
 *
 * gives `Map { "Name" => { raw: "prometheus", line: 1 }, "State" => { raw: "S (sleeping)", line: 2 },
 * "Uid" => { raw: "1000\t1000\t1000\t0", line: 3 }, "VmRSS" => { raw: "6716 kB", line: 4 },
 * "Groups" => { raw: "", line: 5 } }`. Use statusNumber, statusNumbers, statusCpuList and statusState
 * for typed values. Blank lines are skipped and the separator after the colon may be a tab or spaces
 * (both occur); a non-blank line without "Key:" is a ParseError.
 */
export function parsePidStatus(text: string, path: string): PidStatus {
  const out: PidStatus = new Map();
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    const colon = row.indexOf(':');
    if (colon <= 0) throw new ParseError(path, i + 1, `expected "Key: value", got "${row}"`);
    out.set(row.slice(0, colon), { raw: row.slice(colon + 1).trim(), line: i + 1 });
  }
  return out;
}

/**
 * The first word of a value as a decimal integer: "VmRSS: 1234 kB" -> 1234, "Threads: 4" -> 4.
 * undefined when the key is absent or its value does not start with a decimal integer.
 */
export function statusNumber(s: PidStatus, key: string): number | undefined {
  const raw = s.get(key)?.raw;
  if (raw === undefined) return undefined;
  const space = raw.search(/\s/);
  return safeInt(space < 0 ? raw : raw.slice(0, space));
}

/**
 * A whitespace-separated list of decimal integers: "NSpid: 1 2" -> [1, 2], "Groups:" -> [].
 * undefined when the key is absent or any word is not a decimal integer.
 */
export function statusNumbers(s: PidStatus, key: string): number[] | undefined {
  const raw = s.get(key)?.raw;
  if (raw === undefined) return undefined;
  if (raw === '') return [];
  const out: number[] = [];
  for (const word of raw.split(/\s+/)) {
    const n = safeInt(word);
    if (n === undefined) return undefined;
    out.push(n);
  }
  return out;
}

/**
 * A list in range syntax, expanded: "Cpus_allowed_list: 0-3,8" -> [0, 1, 2, 3, 8], "" -> [].
 * undefined when the key is absent or the value is not a range list.
 */
export function statusCpuList(s: PidStatus, key: string): number[] | undefined {
  const raw = s.get(key)?.raw;
  if (raw === undefined) return undefined;
  if (raw === '') return [];
  const out: number[] = [];
  for (const part of raw.split(',')) {
    const dash = part.indexOf('-');
    const from = safeInt(dash < 0 ? part : part.slice(0, dash));
    const to = dash < 0 ? from : safeInt(part.slice(dash + 1));
    if (from === undefined || to === undefined || from < 0 || to < from) return undefined;
    for (let n = from; n <= to; n++) out.push(n);
  }
  return out;
}

/** "State: S (sleeping)" -> { letter: "S", name: "sleeping" }; undefined when absent or not in that form. */
export function statusState(s: PidStatus): { letter: string; name: string } | undefined {
  const raw = s.get('State')?.raw;
  if (raw === undefined || raw.length < 5 || raw[1] !== ' ' || raw[2] !== '(' || !raw.endsWith(')')) return undefined;
  return { letter: raw[0]!, name: raw.slice(3, -1) };
}
