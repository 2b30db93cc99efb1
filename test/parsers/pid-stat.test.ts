import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePidStat, parsePidStatHead, PID_STAT_FIELDS, type PidStat } from '../../src/parsers/pid-stat.js';
import { parseStat } from '../../src/parsers/stat.js';
import { assertFact, factsOf, memo, readText, unknownFact, type Fact } from './corpus.js';
import { table } from './table.js';

const USER_HZ = 100;
/** The corpus's one page-size-dependent fact says it assumes 4096-byte pages. */
const PAGE_SIZE = 4096;

const parse = memo((path) => parsePidStat(readText(path), path));
const btime = memo((root) => parseStat(readText(join(root, 'proc/stat'))).btime);

describe('parsePidStat: conformance corpus (pid_stat, task_stat)', () => {
  for (const { fact, path, root } of factsOf('pid_stat', 'task_stat')) {
    it(fact.id, () => assertFact(fact, actual(fact, parse(path), root)));
  }
});

function actual(fact: Fact, stat: PidStat, root: string): unknown {
  switch (fact.field) {
    case '=cpu_time':
      return (stat.utime + stat.stime) / USER_HZ;
    case '=start_time':
      return btime(root)! + stat.starttime / USER_HZ;
    case '=virtual_memory':
      return stat.vsize;
    case '=resident_memory':
      return stat.rss * PAGE_SIZE;
  }
  if (fact.field.startsWith('=')) unknownFact(fact);
  if (fact.field_no !== undefined) assert.equal(PID_STAT_FIELDS[fact.field_no - 1], fact.field, `${fact.id}: field_no`);
  if (!(PID_STAT_FIELDS as readonly string[]).includes(fact.field)) unknownFact(fact);
  return stat[fact.field];
}

/** A stat line whose numeric fields hold their own field number: "1 (comm) S 4 5 6 ... fields". */
function line(comm: string, fields = 52): string {
  const numbers = Array.from({ length: fields - 3 }, (_, i) => i + 4);
  return `1 (${comm}) S ${numbers.join(' ')}\n`;
}
function want(comm: string, fields = 52): PidStat {
  const stat: Record<string, number | string> = { pid: 1, comm, state: 'S' };
  for (let n = 4; n <= Math.min(fields, 52); n++) stat[PID_STAT_FIELDS[n - 1]!] = n;
  return stat as PidStat;
}
const lineWith = (values: Record<number, string>): string => {
  const words = line('x').trimEnd().split(' ');
  for (const [n, v] of Object.entries(values)) words[Number(n) - 1] = v;
  return words.join(' ') + '\n';
};

table('parsePidStat: tricky inputs', [
  {
    name: 'doc sample',
    input:
      '26231 (vim) R 5392 7446 5392 34835 7446 4218880 32533 309516 26 82 1677 44 158 99 20 0 1 0 82375 56274944 1981 ' +
      '18446744073709551615 4194304 6294284 140736914091744 140736914087944 139965136429984 0 0 12288 1870679807 0 0 0 17 0 0 0 31 0 0 ' +
      '8391624 8481048 16420864 140736914093252 140736914093279 140736914093279 140736914096107 0\n',
    want: {
      pid: 26231, comm: 'vim', state: 'R', ppid: 5392, pgrp: 7446, session: 5392, tty_nr: 34835, tpgid: 7446, flags: 4218880,
      minflt: 32533, cminflt: 309516, majflt: 26, cmajflt: 82, utime: 1677, stime: 44, cutime: 158, cstime: 99, priority: 20, nice: 0,
      num_threads: 1, itrealvalue: 0, starttime: 82375, vsize: 56274944, rss: 1981, rsslim: 18446744073709551615n, startcode: 4194304,
      endcode: 6294284, startstack: 140736914091744, kstkesp: 140736914087944, kstkeip: 139965136429984, signal: 0, blocked: 0,
      sigignore: 12288, sigcatch: 1870679807, wchan: 0, nswap: 0, cnswap: 0, exit_signal: 17, processor: 0, rt_priority: 0, policy: 0,
      delayacct_blkio_ticks: 31, guest_time: 0, cguest_time: 0, start_data: 8391624, end_data: 8481048, start_brk: 16420864,
      arg_start: 140736914093252, arg_end: 140736914093279, env_start: 140736914093279, env_end: 140736914096107, exit_code: 0,
    },
  },
  { name: 'comm (sd-pam)', input: line('(sd-pam)'), want: want('(sd-pam)') },
  { name: 'comm a) b', input: line('a) b'), want: want('a) b') },
  { name: 'comm (a b ) ( c d) with trailing space', input: line('(a b ) ( c d) '), want: want('(a b ) ( c d) ') },
  { name: 'comm that looks like fields: x) R 1 2', input: line('x) R 1 2'), want: want('x) R 1 2') },
  { name: 'comm with a newline', input: line('a\nb)'), want: want('a\nb)') },
  { name: 'empty comm', input: line(''), want: want('') },
  { name: 'kworker comm', input: line('kworker/0:1-events'), want: want('kworker/0:1-events') },
  { name: 'a second line is ignored', input: line('x') + '#!/bin/cat /proc/self/stat\n', want: want('x') },
  { name: 'no trailing newline', input: line('x').trimEnd(), want: want('x') },
  { name: '2.6.18 kernel: 44 fields, later ones absent', input: line('x', 44), want: want('x', 44) },
  { name: 'the 25 typed fields only', input: line('x', 25), want: want('x', 25) },
  { name: 'a future 53rd field is skipped', input: line('x', 53), want: want('x', 53) },
  {
    name: 'INT64 limits and 2^64-1 are exact bigints; -1 and -20 are numbers',
    input: lineWith({ 8: '-1', 16: '-9223372036854775808', 17: '9223372036854775807', 19: '-20', 25: '18446744073709551615', 35: '18446744073709551615', 38: '-1', 39: '9007199254740991' }),
    want: { ...want('x'), tpgid: -1, cutime: -9223372036854775808n, cstime: 9223372036854775807n, nice: -20, rsslim: 18446744073709551615n, wchan: 18446744073709551615n, exit_signal: -1, processor: 9007199254740991 },
  },
  { name: 'empty file', input: '', wantError: '/proc/1/stat:1: expected "pid (comm) state ...", found no "(comm)"' },
  { name: 'no parentheses', input: '1 x S 4 5\n', wantError: '/proc/1/stat:1: expected "pid (comm) state ...", found no "(comm)"' },
  { name: 'truncated after comm', input: '1 (x)', wantError: '/proc/1/stat:1: expected at least 25 fields, got 2' },
  { name: 'truncated in the middle', input: '1 (x) S 4 5 6 7 8 9 10 11 12 13 14 15 16', wantError: '/proc/1/stat:1: expected at least 25 fields, got 16' },
  { name: 'truncated, comm with a newline', input: '1 (a\nb) S 4\n', wantError: '/proc/1/stat:2: expected at least 25 fields, got 4' },
  { name: 'pid not a number', input: line('x').replace(/^1/, 'one'), wantError: '/proc/1/stat:1: pid: expected an unsigned integer, got "one"' },
  { name: 'state of two letters', input: line('x').replace(' S ', ' SS '), wantError: '/proc/1/stat:1: state: expected one letter, got "SS"' },
  { name: 'field not a number', input: lineWith({ 14: '12a' }), wantError: '/proc/1/stat:1: field 14 (utime): expected an integer, got "12a"' },
  { name: 'a typed number field beyond 2^53', input: lineWith({ 14: '9007199254740993' }), wantError: '/proc/1/stat:1: field 14 (utime): 9007199254740993 is beyond 2^53' },
], (input) => parsePidStat(input, '/proc/1/stat'));

describe('parsePidStatHead agrees with parsePidStat', () => {
  const lines = [
    '26231 (vim) R 5392 7446 5392 34835 7446 4218880 32533 309516 26 82 1677 44 158 99 20 0 1 0 82375 56274944 1981 18446744073709551615 4194304 6294284 140736914091744 0 0 0 0 12288 1870679807 0 0 0 17 0 0 0 31 0 0 8391624 8481048 16420864 140736914093252 140736914093279 140736914093279 140736914096107 0',
    '1020 ((a b ) ( c d) ) R 28 1020 1020 0 -1 4218880 0 0 0 0 0 0 0 0 20 0 1 0 10839175 10395648 155 18446744073709551615 4194304 4238788 140736466511168 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 6336016 6337300 25579520 140736466515030 140736466515118 140736466515118 140736466518002 0',
    '16653 (java) D 1 16653 16653 0 -1 4202752 0 0 0 0 0 0 0 0 20 0 10 0 100 1000 10 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0',
  ];
  for (const line of lines) {
    it(line.slice(0, 30), () => {
      const full = parsePidStat(line, '/proc/x/stat');
      assert.deepEqual(parsePidStatHead(line, '/proc/x/stat'), { pid: full.pid, comm: full.comm, state: full.state, ppid: full.ppid });
    });
  }
  it('rejects a line without (comm)', () => {
    assert.throws(() => parsePidStatHead('123 bash S 1', '/proc/123/stat'), { message: '/proc/123/stat:1: expected "pid (comm) state ...", found no "(comm)"' });
  });
  it('rejects a state that is not one letter', () => {
    assert.throws(() => parsePidStatHead('123 (bash) SS 1 2', '/proc/123/stat'), /state: expected one letter/);
  });
});
