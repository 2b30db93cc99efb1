import { describe, it } from 'node:test';
import { parseCmdline } from '../../src/parsers/cmdline.js';
import { assertFact, factsOf, readText, unknownFact } from './corpus.js';
import { table } from './table.js';

describe('parseCmdline: conformance corpus', () => {
  for (const { fact, path } of factsOf('pid_cmdline')) {
    it(fact.id, () => {
      if (fact.field !== 'argv') unknownFact(fact);
      assertFact(fact, parseCmdline(readText(path)));
    });
  }
});

table('parseCmdline: tricky inputs', [
  { name: 'doc sample', input: 'vim\0test.go\0+10\0', want: ['vim', 'test.go', '+10'] },
  { name: 'kernel thread: empty file', input: '', want: [] },
  { name: 'NUL padding after a rewritten argv', input: 'com.github.uiautomator' + '\0'.repeat(77), want: ['com.github.uiautomator'] },
  { name: 'no final NUL (truncated read)', input: 'sleep\x00100', want: ['sleep', '100'] },
  { name: 'spaces stay inside one argument', input: 'sh\0-c\0echo a b\0', want: ['sh', '-c', 'echo a b'] },
  { name: 'setproctitle style: one string with spaces', input: 'postgres: checkpointer   ', want: ['postgres: checkpointer   '] },
], parseCmdline);
