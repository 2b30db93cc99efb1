// Kinds of the conformance corpus that no parser test asserts, because procdx has no parser for them:
//   zoneinfo    /proc/zoneinfo: procdx reads free memory per zone and order from /proc/buddyinfo.
//   pid_fdinfo  /proc/PID/fdinfo/N: procdx reads fd link targets only (kind pid_fd).
//   pid_link    /proc/PID/{exe,cwd,root}: procdx classifies fd links only (kind pid_fd).
//   proc_self   /proc/self: a link the snapshot reader does not follow; nothing to parse.
//   proc_pids   the PID listing of /proc: a readdir in the snapshot reader, not a file parser.
//   task_list   the TID listing of /proc/PID/task: a readdir in the snapshot reader.
//   ps          insights `ps` output: procdx reads /proc directly and never runs ps.
// Every other kind has a test file below. A kind that appears in the corpus and in neither list fails
// this test, as does a list entry that the corpus no longer has.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { allFacts, conformanceDir } from './corpus.js';

/** kind -> the test file (beside this one) that asserts its facts */
const COVERED: Record<string, string> = {
  meminfo: 'meminfo.test.js',
  buddyinfo: 'buddyinfo.test.js',
  loadavg: 'loadavg.test.js',
  stat: 'stat.test.js',
  pressure: 'pressure.test.js',
  pid_stat: 'pid-stat.test.js',
  task_stat: 'pid-stat.test.js',
  pid_status: 'pid-status.test.js',
  pid_cmdline: 'cmdline.test.js',
  pid_comm: 'comm.test.js',
  pid_wchan: 'wchan.test.js',
  pid_fd: 'fd-link.test.js',
  sys_vm: 'sysctl.test.js',
  sys_kernel: 'sysctl.test.js',
  node_vmstat: 'vmstat.test.js',
};
const NOT_COVERED = ['zoneinfo', 'pid_fdinfo', 'pid_link', 'proc_self', 'proc_pids', 'task_list', 'ps'];

describe('conformance corpus coverage', () => {
  const kinds = new Set(allFacts.map((f) => f.fact.kind));

  it('every kind in the corpus is either covered or listed as not covered', () => {
    assert.deepStrictEqual([...kinds].sort(), [...Object.keys(COVERED), ...NOT_COVERED].sort());
  });

  it('every covered kind has its test file', () => {
    const here = dirname(fileURLToPath(import.meta.url));
    for (const [kind, file] of Object.entries(COVERED)) assert.ok(existsSync(join(here, file)), `${kind}: ${file}`);
  });

  it('fact ids are unique', () => {
    const ids = allFacts.map((f) => f.fact.id + ' ' + f.root);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('vendored corpus matches its inventory (expected.json tree)', () => {
  const expected = JSON.parse(readFileSync(join(conformanceDir, 'expected.json'), 'utf8')) as {
    root: string;
    tree: Array<{ path: string; type: 'dir' | 'file' | 'symlink'; size?: number; sha256?: string; target?: string }>;
  };
  for (const entry of expected.tree) {
    it(entry.path, () => {
      const path = join(conformanceDir, expected.root, entry.path);
      const st = lstatSync(path);
      if (entry.type === 'symlink') {
        assert.ok(st.isSymbolicLink(), 'a symlink');
        assert.equal(readlinkSync(path), entry.target);
      } else if (entry.type === 'dir') {
        assert.ok(st.isDirectory(), 'a directory');
      } else {
        assert.ok(st.isFile(), 'a regular file');
        const bytes = readFileSync(path);
        assert.equal(bytes.length, entry.size);
        assert.equal(createHash('sha256').update(bytes).digest('hex'), entry.sha256);
      }
    });
  }
});
