import { describe, it } from 'node:test';
import { parseWchan } from '../../src/parsers/wchan.js';
import { assertFact, factsOf, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

describe('parseWchan: conformance corpus', () => {
  for (const { fact, path } of factsOf('pid_wchan')) {
    it(fact.id, () => {
      if (fact.field !== 'wchan') unknownFact(fact);
      assertFact(fact, parseWchan(readText(path)));
    });
  }
});

table('parseWchan: tricky inputs', [
  { name: 'doc sample', input: 'poll_schedule_timeout', want: 'poll_schedule_timeout' },
  { name: '"0": not in a named wait', input: '0', want: '' },
  { name: '"0" with a newline', input: '0\n', want: '' },
  { name: 'empty file', input: '', want: '' },
  { name: 'trailing newline stripped', input: 'do_wait\n', want: 'do_wait' },
  { name: 'a name that only starts with 0 is kept', input: '0x1234', want: '0x1234' },
], parseWchan);
