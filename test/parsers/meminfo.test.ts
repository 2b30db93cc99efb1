import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseMeminfo, type Meminfo } from '../../src/parsers/meminfo.js';
import { parseSysctl } from '../../src/parsers/sysctl.js';
import { assertFact, factsOf, memo, readText, round, unknownFact, type Fact } from './corpus.js';
import { table } from './table.js';

const parse = memo((path) => parseMeminfo(readText(path), path));

describe('parseMeminfo: conformance corpus', () => {
  for (const { fact, path, root } of factsOf('meminfo')) {
    it(fact.id, () => assertFact(fact, actual(fact, parse(path), root)));
  }
});

function actual(fact: Fact, m: Meminfo, root: string): unknown {
  const kB = (key: string): number | undefined => m.get(key)?.value;
  const all = (...keys: string[]): number[] | undefined => {
    const values = keys.map(kB);
    return values.every((v) => v !== undefined) ? (values as number[]) : undefined;
  };
  switch (fact.field) {
    case '=CommitLimit_from_sysctl': {
      // mm/util.c vm_commit_limit(), in kB instead of pages.
      const ratio = parseSysctl(readText(join(root, 'proc/sys/vm/overcommit_ratio')));
      const [total, huge, hugeSize, swap] = all('MemTotal', 'HugePages_Total', 'Hugepagesize', 'SwapTotal')!;
      return Math.floor(((total! - huge! * hugeSize!) * (ratio as number)) / 100) + swap!;
    }
    case '=Committed_AS_over_CommitLimit': {
      const [committed, limit] = all('Committed_AS', 'CommitLimit')!;
      return round(committed! / limit!, 4);
    }
    case '=swap_used': {
      const v = all('SwapTotal', 'SwapFree', 'SwapCached');
      return v && (v[0]! - v[1]! - v[2]!) * 1024;
    }
    case '=used': {
      const v = all('MemTotal', 'MemFree');
      return v && (v[0]! - v[1]!) * 1024;
    }
    case '=huge_pages_in_use':
      return kB('HugePages_Total')! > 0;
    case '=transparent_huge_pages_in_use':
      return kB('AnonHugePages')! > 0;
  }
  if (fact.field.startsWith('=')) unknownFact(fact);
  const entry = m.get(fact.field);
  if (entry !== undefined && fact.unit !== undefined) {
    // HugePages_* count huge pages and carry no unit in the file.
    assert.equal(entry.unit, fact.unit === 'hugepages' ? null : fact.unit, `${fact.id}: unit`);
  }
  return entry?.value;
}

table('parseMeminfo: tricky inputs', [
  {
    name: 'doc sample',
    input: 'MemTotal:       15666184 kB\nActive(anon):     267256 kB\nHugePages_Total:       0\n',
    want: new Map([
      ['MemTotal', { value: 15666184, unit: 'kB' as const, line: 1 }],
      ['Active(anon)', { value: 267256, unit: 'kB' as const, line: 2 }],
      ['HugePages_Total', { value: 0, unit: null, line: 3 }],
    ]),
  },
  {
    name: 'no MemAvailable (kernel before 3.14): the key is absent, not 0',
    input: 'MemTotal: 100 kB\nMemFree: 50 kB\n',
    want: new Map([
      ['MemTotal', { value: 100, unit: 'kB' as const, line: 1 }],
      ['MemFree', { value: 50, unit: 'kB' as const, line: 2 }],
    ]),
  },
  {
    name: 'VmallocTotal beyond 2^32 kB stays exact',
    input: 'VmallocTotal:   34359738367 kB',
    want: new Map([['VmallocTotal', { value: 34359738367, unit: 'kB' as const, line: 1 }]]),
  },
  { name: 'empty file', input: '', want: new Map() },
  { name: 'truncated line: key only', input: 'MemTotal: 100 kB\nMemFree:', wantError: '/proc/meminfo:2: "MemFree" has no value' },
  { name: 'truncated line: no colon', input: 'MemTotal: 100 kB\nMemFr', wantError: '/proc/meminfo:2: expected "Key: value [kB]", got "MemFr"' },
  { name: 'value not a number', input: 'MemTotal: 1e3 kB\n', wantError: '/proc/meminfo:1: "MemTotal": expected an unsigned integer, got "1e3"' },
  { name: 'unknown unit', input: 'MemTotal: 100 MB\n', wantError: '/proc/meminfo:1: "MemTotal": expected "<number> [kB]", got "100 MB"' },
], (input) => parseMeminfo(input));
