/**
 * The guarded reader's helper process: reads the /proc-relative paths it is sent on stdin, one per
 * line, below `root`, and answers each with one JSON line on stdout, in order.
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

function answer(line: string): void {
  const bytes = Buffer.from(`${line}\n`, 'utf8');
  for (let done = 0; done < bytes.length; ) done += writeSync(1, bytes, done);
}

/** Runs the helper in this process (guard-helper-main.ts as a script; the single file when started as the helper). */
export function runGuardHelper(root: string): void {
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
}
