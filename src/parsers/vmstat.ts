import { ParseError } from './parse-error.js';
import { safeInt } from './numbers.js';

export interface VmstatEntry {
  value: number;
  line: number;
}

export type Vmstat = Map<string, VmstatEntry>;

/**
 * /proc/vmstat, and /sys/devices/system/node/nodeN/vmstat, which has the same format
 * (Documentation/admin-guide/sysctl/vm.rst and mm/vmstat.c; the counters are undocumented).
 *
 *     nr_free_pages 1
 *     pgmajfault 3312
 *
 * gives `Map { "nr_free_pages" => { value: 1, line: 1 }, "pgmajfault" => { value: 3312, line: 2 } }`.
 * Values are pages or event counts, by counter. Which counters exist depends on the kernel and its
 * config, so an absent key means unknown. A line that is not "name integer" is a ParseError.
 */
export function parseVmstat(text: string, path = '/proc/vmstat'): Vmstat {
  const out: Vmstat = new Map();
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    const line = i + 1;
    const f = row.split(/\s+/);
    if (f.length !== 2) throw new ParseError(path, line, `expected "name value", got "${row}"`);
    const value = safeInt(f[1]!);
    if (value === undefined || value < 0) {
      throw new ParseError(path, line, `"${f[0]!}": expected an unsigned integer, got "${f[1]!}"`);
    }
    out.set(f[0]!, { value, line });
  }
  return out;
}
