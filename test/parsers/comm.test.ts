import { describe, it } from 'node:test';
import { parseComm } from '../../src/parsers/comm.js';
import { assertFact, factsOf, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

describe('parseComm: conformance corpus', () => {
  for (const { fact, path } of factsOf('pid_comm')) {
    it(fact.id, () => {
      if (fact.field !== 'comm') unknownFact(fact);
      assertFact(fact, parseComm(readText(path)));
    });
  }
});

table('parseComm: tricky inputs', [
  { name: 'doc sample', input: '(sd-pam)\n', want: '(sd-pam)' },
  { name: 'parenthesis and space inside', input: 'a) b\n', want: 'a) b' },
  { name: 'leading and trailing spaces kept', input: '(a b ) ( c d) \n', want: '(a b ) ( c d) ' },
  { name: 'only the final newline goes', input: 'a\nb\n', want: 'a\nb' },
  { name: 'no newline', input: 'vim', want: 'vim' },
  { name: 'empty file', input: '', want: '' },
], parseComm);
