import type { Snapshot } from '../snapshot/snapshot.js';
import { procPath, type SourceRef } from './fact.js';

const MAX_EXCERPT = 160;

export type Parsed<T> = { ok: true; value: T; text: string } | { ok: false; reason: string };

/**
 * Reads one recorded file and parses it. An unreadable or unparsable file becomes a reason
 * ("/proc/meminfo: EACCES", "/proc/buddyinfo:3: expected 11 order counts, got 12") for the facts
 * that depend on it.
 */
export function parseFile<T>(snapshot: Snapshot, path: string, parse: (text: string, path: string) => T): Parsed<T> {
  const read = snapshot.files.get(path);
  if (read === undefined) return { ok: false, reason: `${procPath(path)}: not read` };
  if (!read.ok) return { ok: false, reason: `${procPath(path)}: ${read.error}` };
  try {
    return { ok: true, value: parse(read.text, procPath(path)), text: read.text };
  } catch (err) {
    return { ok: false, reason: (err as Error).message };
  }
}

/** The evidence for a value: its file, line number and the text of that line. */
export function lineRef(path: string, text: string, line: number): SourceRef {
  return { path: procPath(path), line, excerpt: lineText(text, line) };
}

export function lineText(text: string, line: number): string {
  let start = 0;
  for (let i = 1; i < line; i++) {
    const next = text.indexOf('\n', start);
    if (next === -1) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  const whole = (end === -1 ? text.slice(start) : text.slice(start, end)).trim();
  // /proc/stat's intr line runs to 100+ KB: evidence quotes its start.
  return whole.length > MAX_EXCERPT ? `${whole.slice(0, MAX_EXCERPT)}...` : whole;
}
