import { ParseError } from './parse-error.js';
import { safeInt } from './numbers.js';

/** "Node 0, zone   Normal   17465   7982 0 ..." counts[N] = free blocks of order N */
export interface BuddyZone {
  node: string;
  zone: string;
  counts: number[];
  line: number;
}

/**
 * /proc/buddyinfo (Documentation/filesystems/proc.rst, "buddyinfo").
 *
 *     Node 0, zone      DMA      1      0      1      0      2      1      1      0      1      1      3
 *     Node 0, zone   Normal   4381   1093    185   1530    567    102      4      0      0      0      0
 *
 * gives `[{ node: "0", zone: "DMA", counts: [1, 0, 1, 0, 2, 1, 1, 0, 1, 1, 3], line: 1 },
 * { node: "0", zone: "Normal", counts: [4381, 1093, ...], line: 2 }]`: counts[N] is the number of free
 * blocks of 2^N pages. An empty file gives []. As in prometheus/procfs, rows with different numbers
 * of orders are an error (one kernel prints MAX_ORDER columns on every row), as is a row without a
 * zone name or counts.
 */
export function parseBuddyinfo(text: string, path = '/proc/buddyinfo'): BuddyZone[] {
  const zones: BuddyZone[] = [];
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!.trim();
    if (row === '') continue;
    const line = i + 1;
    const f = row.split(/\s+/);
    if (f[0] !== 'Node' || !f[1]?.endsWith(',') || f[2] !== 'zone') {
      throw new ParseError(path, line, `expected "Node N, zone NAME counts...", got "${row}"`);
    }
    if (f.length < 5) throw new ParseError(path, line, `expected a zone name and order counts, got "${row}"`);
    const counts = new Array<number>(f.length - 4);
    for (let n = 4; n < f.length; n++) {
      const v = safeInt(f[n]!);
      if (v === undefined || v < 0) throw new ParseError(path, line, `order ${n - 4}: expected an unsigned integer, got "${f[n]!}"`);
      counts[n - 4] = v;
    }
    const first = zones[0];
    if (first !== undefined && first.counts.length !== counts.length) {
      throw new ParseError(path, line, `expected ${first.counts.length} order counts, got ${counts.length}`);
    }
    zones.push({ node: f[1].slice(0, -1), zone: f[3]!, counts, line });
  }
  return zones;
}
