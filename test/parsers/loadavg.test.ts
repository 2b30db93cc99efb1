import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLoadavg, type LoadAvg } from '../../src/parsers/loadavg.js';
import { ParseError } from '../../src/parsers/parse-error.js';
import { assertFact, factsOf, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

/** The corpus spells fields as procfs does. */
const FIELDS: Record<string, keyof LoadAvg> = {
  load1: 'load1', load5: 'load5', load15: 'load15', runnable: 'runnable', total: 'total', last_pid: 'lastPid',
};

describe('parseLoadavg: conformance corpus', () => {
  for (const { fact, path } of factsOf('loadavg')) {
    it(fact.id, () => {
      const text = readText(path);
      if (fact.field === '=parse') {
        if (fact.value !== 'error') unknownFact(fact);
        assert.throws(() => parseLoadavg(text, path), ParseError);
        return;
      }
      const field = FIELDS[fact.field] ?? unknownFact(fact);
      assertFact(fact, parseLoadavg(text, path)[field]);
    });
  }
});

table('parseLoadavg: tricky inputs', [
  {
    name: 'doc sample',
    input: '0.02 0.04 0.05 1/497 11947\n',
    want: { load1: 0.02, load5: 0.04, load15: 0.05, runnable: 1, total: 497, lastPid: 11947 },
  },
  { name: 'no trailing newline', input: '0.00 0.03 0.05 1/502 33634', want: { load1: 0, load5: 0.03, load15: 0.05, runnable: 1, total: 502, lastPid: 33634 } },
  { name: 'high load', input: '123.45 99.00 12.50 100/2000 1\n', want: { load1: 123.45, load5: 99, load15: 12.5, runnable: 100, total: 2000, lastPid: 1 } },
  { name: 'empty file', input: '', wantError: '/proc/loadavg:1: empty file' },
  { name: 'truncated: two numbers', input: '0.00 0.03', wantError: '/proc/loadavg:1: expected 5 fields "load1 load5 load15 runnable/total last_pid", got 2' },
  { name: 'truncated: no last pid', input: '0.00 0.03 0.05 1/502\n', wantError: '/proc/loadavg:1: expected 5 fields "load1 load5 load15 runnable/total last_pid", got 4' },
  { name: 'words', input: 'malformed line', wantError: '/proc/loadavg:1: expected 5 fields "load1 load5 load15 runnable/total last_pid", got 2' },
  { name: 'load not a number', input: '0.0x 0.03 0.05 1/502 3\n', wantError: '/proc/loadavg:1: load1: expected a decimal number, got "0.0x"' },
  { name: 'no slash', input: '0.00 0.03 0.05 1 3\n', wantError: '/proc/loadavg:1: expected "runnable/total", got "1"' },
  { name: 'empty total', input: '0.00 0.03 0.05 1/ 3\n', wantError: '/proc/loadavg:1: total: expected an unsigned integer, got ""' },
], (input) => parseLoadavg(input));
