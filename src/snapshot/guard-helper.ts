/**
 * The guarded reader's helper process: reads the /proc-relative paths it is sent on stdin, one per
 * line, below the root given as argv[2], and answers each with one JSON line on stdout, in order.
 * Its reads are synchronous on purpose: when one blocks (a jammed mmap lock, an exec in progress)
 * this whole process stops, and the parent, which keeps its own deadline, kills and abandons it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { errorCode } from './source.js';

const root = process.argv[2] ?? '/proc';
// Tells the parent that start-up is over, so that its per-file clock measures reads only.
process.stdout.write('{"ready":true}\n');
const lines = createInterface({ input: process.stdin });
lines.on('line', (path) => {
  let answer: string;
  try {
    answer = JSON.stringify({ ok: true, text: readFileSync(join(root, path), 'utf8') });
  } catch (err) {
    answer = JSON.stringify({ ok: false, error: errorCode(err) });
  }
  process.stdout.write(`${answer}\n`);
});
