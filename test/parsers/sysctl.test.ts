import { describe, it } from 'node:test';
import { parseSysctl } from '../../src/parsers/sysctl.js';
import { assertFact, factsOf, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

describe('parseSysctl: conformance corpus (sys_vm, sys_kernel)', () => {
  for (const { fact, path } of factsOf('sys_vm', 'sys_kernel')) {
    it(fact.id, () => {
      if (fact.field !== 'value') unknownFact(fact);
      assertFact(fact, parseSysctl(readText(path)));
    });
  }
});

table('parseSysctl: tricky inputs', [
  { name: 'doc sample: a single number', input: '50\n', want: 50 },
  { name: 'no newline', input: '1', want: 1 },
  { name: 'negative', input: '-1\n', want: -1 },
  { name: 'tab-separated list', input: '256\t256\t32\t0\t0\n', want: [256, 256, 32, 0, 0] },
  { name: 'space-separated list', input: '4 4 1 7\n', want: [4, 4, 1, 7] },
  { name: 'a word', input: 'Node\n', want: 'Node' },
  { name: 'ULONG_MAX is an exact bigint', input: '18446744073709551615\n', want: 18446744073709551615n },
  { name: 'list with a bigint', input: '0\t18446744073709551615\n', want: [0, 18446744073709551615n] },
  { name: 'text with spaces kept whole', input: '|/usr/lib/systemd/systemd-coredump %P %u\n', want: '|/usr/lib/systemd/systemd-coredump %P %u' },
  { name: 'numbers mixed with words are text', input: '1 a\n', want: '1 a' },
  { name: 'empty file', input: '', want: '' },
  { name: 'only a newline', input: '\n', want: '' },
], parseSysctl);
