import { parseBuddyinfo, type BuddyZone } from '../parsers/buddyinfo.js';
import type { Snapshot } from '../snapshot/snapshot.js';
import { known, unknown, type Entity, type FactMap } from './fact.js';
import { round } from './cpu-load.js';
import { lineRef, parseFile } from './read.js';

/** Order 2 (16 KiB on 4 KiB pages) is what kernel stacks and many drivers allocate: below it is "low order". */
const HIGH_ORDER = 2;

/**
 * One entity per /proc/buddyinfo row (node, zone) with its free-block counts per order and what
 * they say about fragmentation: free pages, the share of them in blocks of order >= 2, the highest
 * order that has a block, and the lowest order >= 1 that has none (the first size that must be
 * compacted for). Host-wide: zones.count and the worst zone's high-order share.
 */
export function zoneEntities(snapshot: Snapshot, facts: FactMap): Entity[] {
  const parsed = parseFile(snapshot, 'buddyinfo', parseBuddyinfo);
  if (!parsed.ok) {
    facts.set('zones.count', unknown(parsed.reason));
    return [];
  }
  const zones = parsed.value;
  facts.set('zones.count', known(zones.length, [{ path: '/proc/buddyinfo', excerpt: `${zones.length} rows` }], 'zones'));
  return zones.map((zone) => zoneEntity(zone, parsed.text));
}

function zoneEntity(zone: BuddyZone, text: string): Entity {
  const ref = [lineRef('buddyinfo', text, zone.line)];
  const freePages = zone.counts.reduce((sum, n, order) => sum + n * 2 ** order, 0);
  const highPages = zone.counts.reduce((sum, n, order) => (order >= HIGH_ORDER ? sum + n * 2 ** order : sum), 0);
  const maxFreeOrder = zone.counts.reduce((max, n, order) => (n > 0 ? order : max), -1);
  const firstEmpty = zone.counts.findIndex((n, order) => order >= 1 && n === 0);
  const emptyOrders = zone.counts.flatMap((n, order) => (n === 0 ? [order] : []));
  const facts: FactMap = new Map([
    ['zone.node', known(zone.node, ref)],
    ['zone.name', known(zone.zone, ref)],
    ['zone.freePages', known(freePages, ref, 'pages')],
    ['zone.highOrderFreeRatio', freePages > 0 ? known(round(highPages / freePages, 3), ref, 'ratio') : known(0, ref, 'ratio')],
    ['zone.maxFreeOrder', known(maxFreeOrder, ref, 'order')],
    ['zone.firstEmptyOrder', known(firstEmpty === -1 ? null : firstEmpty, ref, 'order')],
    ['zone.emptyOrders', known(describeOrders(emptyOrders), ref)],
    ['zone.orderCounts', known(zone.counts, ref, 'blocks')],
  ]);
  return { subject: { kind: 'zone', node: zone.node, zone: zone.zone }, facts };
}

/** [2,3,4,5,6,7,8,9] -> "2-9"; [2,4] -> "2, 4". */
function describeOrders(orders: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < orders.length; i++) {
    let j = i;
    while (j + 1 < orders.length && orders[j + 1] === orders[j]! + 1) j++;
    parts.push(j > i ? `${orders[i]}-${orders[j]}` : String(orders[i]));
    i = j;
  }
  return parts.join(', ');
}
