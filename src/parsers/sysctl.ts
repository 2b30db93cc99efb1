import { wideInt } from './numbers.js';

/** "1\n" -> 1 ; "4096\t4096\t4096" -> [4096,4096,4096] ; "Node\n" -> "Node" ; 2^64-1 -> bigint */
export type SysctlValue = number | bigint | string | Array<number | bigint>;

/**
 * One-value files under /proc/sys, such as /proc/sys/vm/overcommit_ratio and
 * /proc/sys/kernel/hung_task_timeout_secs (Documentation/admin-guide/sysctl/).
 *
 *     50                      -> 50
 *     256	256	32	0	0       -> [256, 256, 32, 0, 0]    (vm/lowmem_reserve_ratio)
 *     Node                    -> "Node"                  (vm/numa_zonelist_order)
 *     18446744073709551615    -> 18446744073709551615n   (ULONG_MAX, beyond 2^53)
 *
 * A single integer gives a number (a bigint beyond ±(2^53−1)); several whitespace-separated integers
 * give an array; anything else gives the text without its final newline; an empty file gives "".
 */
export function parseSysctl(text: string): SysctlValue {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const trimmed = body.trim();
  if (trimmed === '') return '';
  const words = trimmed.split(/\s+/);
  const numbers: Array<number | bigint> = [];
  for (const word of words) {
    const n = wideInt(word);
    if (n === undefined) return body;
    numbers.push(n);
  }
  return numbers.length === 1 ? numbers[0]! : numbers;
}
