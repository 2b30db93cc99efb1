import { describe, it } from 'node:test';
import { parseVmstat } from '../../src/parsers/vmstat.js';
import { assertFact, factsOf, memo, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

const parse = memo((path) => parseVmstat(readText(path), path));

describe('parseVmstat: conformance corpus (node_vmstat)', () => {
  for (const { fact, path } of factsOf('node_vmstat')) {
    it(fact.id, () => {
      if (fact.field.startsWith('=')) unknownFact(fact);
      assertFact(fact, parse(path).get(fact.field)?.value);
    });
  }
});

table('parseVmstat: tricky inputs', [
  {
    name: 'doc sample',
    input: 'nr_free_pages 1\npgmajfault 3312\n',
    want: new Map([['nr_free_pages', { value: 1, line: 1 }], ['pgmajfault', { value: 3312, line: 2 }]]),
  },
  { name: 'empty file', input: '', want: new Map() },
  { name: 'no trailing newline', input: 'compact_stall 7', want: new Map([['compact_stall', { value: 7, line: 1 }]]) },
  { name: 'truncated line', input: 'nr_free_pages 1\ncompact_stall', wantError: '/proc/vmstat:2: expected "name value", got "compact_stall"' },
  { name: 'value not a number', input: 'nr_free_pages 0x1\n', wantError: '/proc/vmstat:1: "nr_free_pages": expected an unsigned integer, got "0x1"' },
  { name: 'negative value', input: 'nr_free_pages -1\n', wantError: '/proc/vmstat:1: "nr_free_pages": expected an unsigned integer, got "-1"' },
], (input) => parseVmstat(input));
