import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ParseError } from '../../src/parsers/parse-error.js';
import { parsePressure, type PressureLine } from '../../src/parsers/pressure.js';
import { assertFact, factsOf, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

describe('parsePressure: conformance corpus', () => {
  for (const { fact, path } of factsOf('pressure')) {
    it(fact.id, () => {
      if (fact.file === 'proc/pressure/fake') {
        // An unknown resource: reading it fails before any parser runs (the snapshot reader reports
        // the missing file). All a parser test can check is that the fixture really lacks it.
        assert.equal(existsSync(path), false);
        assertFact(fact, undefined);
        return;
      }
      const text = readText(path);
      if (fact.field === '=parse') {
        if (fact.value === 'error') assert.throws(() => parsePressure(text, path), ParseError);
        else if (fact.value === 'ok') assert.deepStrictEqual(parsePressure(text, path), { some: null, full: null });
        else unknownFact(fact);
        return;
      }
      const line = fact.where?.line;
      if (line !== 'some' && line !== 'full') return unknownFact(fact);
      const got = parsePressure(text, path)[line];
      if (fact.field === '*') return assertFact(fact, got);
      if (!['avg10', 'avg60', 'avg300', 'total'].includes(fact.field)) unknownFact(fact);
      assertFact(fact, got?.[fact.field as keyof PressureLine]);
    });
  }
});

const SOME = { avg10: 0.1, avg60: 2, avg300: 3.85, total: 15 };
const FULL = { avg10: 0.2, avg60: 3, avg300: 4.95, total: 25 };

table('parsePressure: tricky inputs', [
  {
    name: 'doc sample',
    input: 'some avg10=0.10 avg60=2.00 avg300=3.85 total=15\nfull avg10=0.20 avg60=3.00 avg300=4.95 total=25\n',
    want: { some: SOME, full: FULL },
  },
  { name: 'cpu before 5.13: no full line', input: 'some avg10=0.10 avg60=2.00 avg300=3.85 total=15\n', want: { some: SOME, full: null } },
  { name: 'empty file', input: '', want: { some: null, full: null } },
  { name: 'unknown line is ignored', input: 'nonsense haha test=fake', want: { some: null, full: null } },
  { name: 'unknown key is ignored', input: 'some avg10=0.10 avg60=2.00 avg300=3.85 total=15 avg900=1.00\n', want: { some: SOME, full: null } },
  {
    name: 'malformed full line: no partial result',
    input: 'some avg10=0.10 avg60=2.00 avg300=3.85 total=1\nfull avg10=0.20 avg60=3.00 avg300=test total=25',
    wantError: '/proc/pressure/io:2: "full" avg300: expected a decimal number, got "test"',
  },
  { name: 'malformed total', input: 'some avg10=0.10 avg60=2.00 avg300=3.85 total=oops\n', wantError: '/proc/pressure/io:1: "some" total: expected an unsigned integer, got "oops"' },
  { name: 'truncated line', input: 'some avg10=0.10 avg60=2.00\n', wantError: '/proc/pressure/io:1: "some": expected avg10, avg60, avg300 and total' },
  { name: 'word without "="', input: 'some avg10\n', wantError: '/proc/pressure/io:1: "some": expected key=value, got "avg10"' },
], (input) => parsePressure(input, '/proc/pressure/io'));
