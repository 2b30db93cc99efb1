import { ParseError } from './parse-error.js';
import { safeInt, unsignedDecimal } from './numbers.js';

export interface LoadAvg {
  load1: number;
  load5: number;
  load15: number;
  runnable: number;
  total: number;
  lastPid: number;
}

/**
 * /proc/loadavg (proc(5); Documentation/filesystems/proc.rst, "1.8 Miscellaneous kernel statistics").
 *
 *     0.02 0.04 0.05 1/497 11947
 *
 * gives `{ load1: 0.02, load5: 0.04, load15: 0.05, runnable: 1, total: 497, lastPid: 11947 }`:
 * the three load averages, runnable and total scheduling entities, and the last PID handed out.
 * Fewer than five fields, or any field that is not a number, is a ParseError.
 */
export function parseLoadavg(text: string, path = '/proc/loadavg'): LoadAvg {
  const nl = text.indexOf('\n');
  const line = (nl < 0 ? text : text.slice(0, nl)).trim();
  if (line === '') throw new ParseError(path, 1, 'empty file');
  const fields = line.split(/\s+/);
  if (fields.length !== 5) {
    throw new ParseError(path, 1, `expected 5 fields "load1 load5 load15 runnable/total last_pid", got ${fields.length}`);
  }
  const [l1, l5, l15, entities, last] = fields as [string, string, string, string, string];
  const load = (token: string, name: string): number => {
    const n = unsignedDecimal(token);
    if (n === undefined) throw new ParseError(path, 1, `${name}: expected a decimal number, got "${token}"`);
    return n;
  };
  const count = (token: string, name: string): number => {
    const n = safeInt(token);
    if (n === undefined || n < 0) throw new ParseError(path, 1, `${name}: expected an unsigned integer, got "${token}"`);
    return n;
  };
  const slash = entities.indexOf('/');
  if (slash < 0) throw new ParseError(path, 1, `expected "runnable/total", got "${entities}"`);
  return {
    load1: load(l1, 'load1'),
    load5: load(l5, 'load5'),
    load15: load(l15, 'load15'),
    runnable: count(entities.slice(0, slash), 'runnable'),
    total: count(entities.slice(slash + 1), 'total'),
    lastPid: count(last, 'last_pid'),
  };
}
