/**
 * The floor for the live benchmark: reads the files procdx reads (stat of every task; wchan and
 * stack of D tasks; fd links of their processes; every cmdline), in one process, without
 * parsing, guarding or computing anything. Usage: node dist/bench/floor-reader.js [ROOT]
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const root = process.argv[2] ?? '/proc';
const read = (path: string): string => {
  try {
    return readFileSync(`${root}/${path}`, 'utf8');
  } catch {
    return '';
  }
};
const list = (path: string): string[] => {
  try {
    return readdirSync(`${root}/${path}`).filter((n) => /^[0-9]+$/.test(n));
  } catch {
    return [];
  }
};
let files = 0;
for (const pid of list('')) {
  read(`${pid}/stat`);
  read(`${pid}/cmdline`);
  files += 2;
  let blocked = false;
  for (const tid of list(`${pid}/task`)) {
    const stat = read(`${pid}/task/${tid}/stat`);
    files++;
    if (stat.charAt(stat.lastIndexOf(')') + 2) === 'D') {
      blocked = true;
      read(`${pid}/task/${tid}/wchan`);
      read(`${pid}/task/${tid}/stack`);
      files += 2;
    }
  }
  if (blocked) {
    for (const fd of list(`${pid}/fd`)) {
      try {
        readlinkSync(`${root}/${pid}/fd/${fd}`);
      } catch {
        // closed meanwhile
      }
      files++;
    }
  }
}
process.stdout.write(`${files}\n`);
