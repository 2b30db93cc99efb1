import { ParseError } from './parse-error.js';
import { safeInt, unsignedDecimal } from './numbers.js';

export interface PressureLine {
  avg10: number;
  avg60: number;
  avg300: number;
  total: number;
}

export interface Pressure {
  some: PressureLine | null;
  full: PressureLine | null;
}

/**
 * /proc/pressure/{cpu,io,memory} (Documentation/accounting/psi.rst).
 *
 *     some avg10=0.10 avg60=2.00 avg300=3.85 total=15
 *     full avg10=0.20 avg60=3.00 avg300=4.95 total=25
 *
 * gives `{ some: { avg10: 0.1, avg60: 2, avg300: 3.85, total: 15 }, full: { avg10: 0.2, avg60: 3, avg300: 4.95, total: 25 } }`:
 * averages are percentages of wall time, total is in microseconds. A line that is absent is null
 * (cpu has no "full" before 5.13). Lines with other first words and unknown keys are ignored; a
 * "some" or "full" line with a missing or malformed value is a ParseError, so there is never a
 * partial result.
 */
export function parsePressure(text: string, path: string): Pressure {
  const out: Pressure = { some: null, full: null };
  const rows = text.split('\n');
  for (let i = 0; i < rows.length; i++) {
    const words = rows[i]!.trim().split(/\s+/);
    const kind = words[0];
    if (kind !== 'some' && kind !== 'full') continue;
    const line = i + 1;
    const values: Partial<PressureLine> = {};
    for (let w = 1; w < words.length; w++) {
      const word = words[w]!;
      const eq = word.indexOf('=');
      if (eq <= 0) throw new ParseError(path, line, `"${kind}": expected key=value, got "${word}"`);
      const key = word.slice(0, eq);
      const token = word.slice(eq + 1);
      if (key === 'avg10' || key === 'avg60' || key === 'avg300') {
        const v = unsignedDecimal(token);
        if (v === undefined) throw new ParseError(path, line, `"${kind}" ${key}: expected a decimal number, got "${token}"`);
        values[key] = v;
      } else if (key === 'total') {
        const v = safeInt(token);
        if (v === undefined || v < 0) throw new ParseError(path, line, `"${kind}" total: expected an unsigned integer, got "${token}"`);
        values.total = v;
      }
    }
    const { avg10, avg60, avg300, total } = values;
    if (avg10 === undefined || avg60 === undefined || avg300 === undefined || total === undefined) {
      throw new ParseError(path, line, `"${kind}": expected avg10, avg60, avg300 and total`);
    }
    out[kind] = { avg10, avg60, avg300, total };
  }
  return out;
}
