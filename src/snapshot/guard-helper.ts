/**
 * The guarded reader's helper process: reads the /proc-relative paths it is sent on stdin, one per
 * line, below the root given as argv[2], and answers each with one JSON line on stdout, in order.
 * Its reads are synchronous on purpose: when one blocks (a jammed mmap lock, an exec in progress)
 * this whole process stops, and the parent, which keeps its own deadline, kills and abandons it.
 *
 * Answers are written with writeSync on fd 1, which blocks while the pipe is full. Through
 * process.stdout they could wait in a user-space queue that is only flushed when the event loop
 * runs; a read that then blocked forever would keep them from the parent, which would blame the
 * next file in line instead of the one that blocked.
 */
import { readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { errorCode } from './source.js';

const root = process.argv[2] ?? '/proc';

function answer(line: string): void {
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  for (let done = 0; done < bytes.length; ) done += writeSync(1, bytes, done);
}

// Tells the parent that start-up is over, so that its per-file clock measures reads only.
answer('{"ready":true}');
const lines = createInterface({ input: process.stdin });
lines.on('line', (path) => {
  try {
    answer(JSON.stringify({ ok: true, text: readFileSync(join(root, path), 'utf8') }));
  } catch (err) {
    answer(JSON.stringify({ ok: false, error: errorCode(err) }));
  }
});
