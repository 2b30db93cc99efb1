import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePidStatus, statusCpuList, statusNumber, statusNumbers, statusState, type PidStatus } from '../../src/parsers/pid-status.js';
import { assertFact, factsOf, memo, readText, unknownFact, type Fact } from './corpus.js';
import { table } from './table.js';

const parse = memo((path) => parsePidStatus(readText(path), path));

/** Range-syntax keys; the corpus gives them expanded. */
const RANGE_LISTS = new Set(['Cpus_allowed_list', 'Mems_allowed_list']);

describe('parsePidStatus: conformance corpus', () => {
  for (const { fact, path } of factsOf('pid_status')) {
    it(fact.id, () => assertFact(fact, actual(fact, parse(path))));
  }
});

function actual(fact: Fact, s: PidStatus): unknown {
  if (fact.field === '=total_ctxt_switches') {
    return statusNumber(s, 'voluntary_ctxt_switches')! + statusNumber(s, 'nonvoluntary_ctxt_switches')!;
  }
  if (fact.field.startsWith('=')) unknownFact(fact);
  if (fact.field === 'State') {
    const state = statusState(s);
    assert.equal(`${state?.letter} (${state?.name})`, fact.value);
  }
  if (Array.isArray(fact.value)) return RANGE_LISTS.has(fact.field) ? statusCpuList(s, fact.field) : statusNumbers(s, fact.field);
  // Strings (names, hex masks) are compared as written; the corpus's hex `derived` values are not needed.
  if (typeof fact.value === 'string') return s.get(fact.field)?.raw;
  return statusNumber(s, fact.field);
}

const e = (raw: string, line: number) => ({ raw, line });

table('parsePidStatus: tricky inputs', [
  {
    name: 'doc sample',
    input: 'Name:\tprometheus\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t0\nVmRSS:\t    6716 kB\nGroups:\n',
    want: new Map([
      ['Name', e('prometheus', 1)],
      ['State', e('S (sleeping)', 2)],
      ['Uid', e('1000\t1000\t1000\t0', 3)],
      ['VmRSS', e('6716 kB', 4)],
      ['Groups', e('', 5)],
    ]),
  },
  { name: 'starts with an empty line', input: '\nName:\tvim\n', want: new Map([['Name', e('vim', 2)]]) },
  { name: 'space-separated variant', input: 'Name:   kube-proxy\nNSpid:  26235\t1\n', want: new Map([['Name', e('kube-proxy', 1)], ['NSpid', e('26235\t1', 2)]]) },
  { name: 'name with spaces, parentheses and a colon', input: 'Name:\t(a b): c\n', want: new Map([['Name', e('(a b): c', 1)]]) },
  { name: 'empty file', input: '', want: new Map() },
  { name: 'line without a key', input: 'Name:\tvim\ngarbage\n', wantError: '/proc/1/status:2: expected "Key: value", got "garbage"' },
], (input) => parsePidStatus(input, '/proc/1/status'));

describe('status accessors', () => {
  const s = parsePidStatus(
    'State:\tD (disk sleep)\nThreads:\t4\nVmRSS:\t    1234 kB\nNSpid:\t1\t2\nGroups:\nCpus_allowed_list:\t0-3,8,10-11\nMems_allowed_list:\t\nUmask:\tx22\nUid:\t0\tx\n',
    '/proc/1/status',
  );
  it('statusNumber', () => {
    assert.equal(statusNumber(s, 'VmRSS'), 1234);
    assert.equal(statusNumber(s, 'Threads'), 4);
    assert.equal(statusNumber(s, 'VmSwap'), undefined, 'absent');
    assert.equal(statusNumber(s, 'Umask'), undefined, 'not a number');
    assert.equal(statusNumber(s, 'Groups'), undefined, 'empty');
  });
  it('statusNumbers', () => {
    assert.deepStrictEqual(statusNumbers(s, 'NSpid'), [1, 2]);
    assert.deepStrictEqual(statusNumbers(s, 'Groups'), []);
    assert.equal(statusNumbers(s, 'Uid'), undefined, 'a word that is not a number');
    assert.equal(statusNumbers(s, 'NStgid'), undefined, 'absent');
  });
  it('statusCpuList', () => {
    assert.deepStrictEqual(statusCpuList(s, 'Cpus_allowed_list'), [0, 1, 2, 3, 8, 10, 11]);
    assert.deepStrictEqual(statusCpuList(s, 'Mems_allowed_list'), []);
    assert.equal(statusCpuList(s, 'Umask'), undefined, 'not a list');
    assert.equal(statusCpuList(s, 'Nope'), undefined, 'absent');
  });
  it('statusState', () => {
    assert.deepStrictEqual(statusState(s), { letter: 'D', name: 'disk sleep' });
    assert.equal(statusState(parsePidStatus('State:\tD\n', 'x')), undefined, 'no name');
    assert.equal(statusState(parsePidStatus('Name:\tx\n', 'x')), undefined, 'absent');
  });
});
