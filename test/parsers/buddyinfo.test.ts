import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBuddyinfo, type BuddyZone } from '../../src/parsers/buddyinfo.js';
import { ParseError } from '../../src/parsers/parse-error.js';
import { assertFact, factsOf, readText, unknownFact, whereRow, type Fact } from './corpus.js';
import { table } from './table.js';

describe('parseBuddyinfo: conformance corpus', () => {
  for (const { fact, path } of factsOf('buddyinfo')) {
    it(fact.id, () => {
      const text = readText(path);
      if (fact.field === '=parse') {
        // "skip" is insights' word for "no data": an empty file gives no zones.
        if (fact.value === 'error') assert.throws(() => parseBuddyinfo(text, path), ParseError);
        else if (fact.value === 'skip') assert.deepStrictEqual(parseBuddyinfo(text, path), []);
        else unknownFact(fact);
        return;
      }
      assertFact(fact, actual(fact, parseBuddyinfo(text, path)));
    });
  }
});

function actual(fact: Fact, zones: BuddyZone[]): unknown {
  if (fact.field === '=row_count') return zones.length;
  if (fact.field === '=orders_per_row') {
    assert.ok(zones.every((z) => z.counts.length === zones[0]!.counts.length));
    return zones[0]!.counts.length;
  }
  if (fact.field.startsWith('=')) unknownFact(fact);
  const zone = zones[whereRow(fact)]!;
  if (fact.where?.node !== undefined) assert.equal(zone.node, fact.where.node);
  if (fact.where?.zone !== undefined) assert.equal(zone.zone, fact.where.zone);
  if (fact.field === 'node') return zone.node;
  if (fact.field === 'zone') return zone.zone;
  if (fact.field === 'counts') return zone.counts;
  if (fact.field.startsWith('order_')) return zone.counts[Number(fact.field.slice('order_'.length))];
  return unknownFact(fact);
}

table('parseBuddyinfo: tricky inputs', [
  {
    name: 'doc sample',
    input:
      'Node 0, zone      DMA      1      0      1      0      2      1      1      0      1      1      3\n' +
      'Node 0, zone   Normal   4381   1093    185   1530    567    102      4      0      0      0      0\n',
    want: [
      { node: '0', zone: 'DMA', counts: [1, 0, 1, 0, 2, 1, 1, 0, 1, 1, 3], line: 1 },
      { node: '0', zone: 'Normal', counts: [4381, 1093, 185, 1530, 567, 102, 4, 0, 0, 0, 0], line: 2 },
    ],
  },
  { name: 'empty file', input: '', want: [] },
  { name: 'only a newline', input: '\n', want: [] },
  {
    name: 'two nodes, node numbers need not start at 0',
    input: 'Node 1, zone Normal 1 2\nNode 3, zone Normal 3 4\n',
    want: [
      { node: '1', zone: 'Normal', counts: [1, 2], line: 1 },
      { node: '3', zone: 'Normal', counts: [3, 4], line: 2 },
    ],
  },
  {
    name: 'rows of different lengths',
    input: 'Node 0, zone DMA 1 2 3\nNode 0, zone Normal 1 2 3 4\n',
    wantError: '/proc/buddyinfo:2: expected 3 order counts, got 4',
  },
  { name: 'truncated row: no zone name', input: 'Node 0, zone\n', wantError: '/proc/buddyinfo:1: expected a zone name and order counts, got "Node 0, zone"' },
  { name: 'truncated row: no counts', input: 'Node 0, zone DMA\n', wantError: '/proc/buddyinfo:1: expected a zone name and order counts, got "Node 0, zone DMA"' },
  { name: 'no comma after the node', input: 'Node 0 zone DMA 1\n', wantError: '/proc/buddyinfo:1: expected "Node N, zone NAME counts...", got "Node 0 zone DMA 1"' },
  { name: 'count not a number', input: 'Node 0, zone DMA 1 x\n', wantError: '/proc/buddyinfo:1: order 1: expected an unsigned integer, got "x"' },
], (input) => parseBuddyinfo(input));
