import { ParseError } from './parse-error.js';
import { safeInt } from './numbers.js';

/** A /proc/meminfo value: `value` in the file's unit (kB, or null for unitless counts such as HugePages_Total). */
export interface MeminfoEntry {
  value: number;
  unit: 'kB' | null;
  line: number;
}

/** keys spelled as in the file: "Committed_AS", "Active(anon)" */
export type Meminfo = Map<string, MeminfoEntry>;

/**
 * /proc/meminfo (proc(5); Documentation/filesystems/proc.rst, "meminfo").
 *
 *     MemTotal:       15666184 kB
 *     Active(anon):     267256 kB
 *     HugePages_Total:       0
 *
 * gives `Map { "MemTotal" => { value: 15666184, unit: "kB", line: 1 }, "Active(anon)" => { value: 267256,
 * unit: "kB", line: 2 }, "HugePages_Total" => { value: 0, unit: null, line: 3 } }`.
 *
 * Only the keys the file has are in the map: which keys exist depends on the kernel and its config
 * (no MemAvailable before 3.14), so an absent key means unknown, never 0. A line without "Key:",
 * without a value, or with a unit other than kB is a ParseError.
 */
export function parseMeminfo(text: string, path = '/proc/meminfo'): Meminfo {
  const out: Meminfo = new Map();
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    if (row.trim() === '') continue;
    const line = i + 1;
    const colon = row.indexOf(':');
    if (colon <= 0) throw new ParseError(path, line, `expected "Key: value [kB]", got "${row}"`);
    const key = row.slice(0, colon);
    const rest = row.slice(colon + 1).trim();
    if (rest === '') throw new ParseError(path, line, `"${key}" has no value`);
    const parts = rest.split(/\s+/);
    if (parts.length > 2 || (parts.length === 2 && parts[1] !== 'kB')) {
      throw new ParseError(path, line, `"${key}": expected "<number> [kB]", got "${rest}"`);
    }
    const value = safeInt(parts[0]!);
    if (value === undefined || value < 0) {
      throw new ParseError(path, line, `"${key}": expected an unsigned integer, got "${parts[0]!}"`);
    }
    out.set(key, { value, unit: parts.length === 2 ? 'kB' : null, line });
  }
  return out;
}
