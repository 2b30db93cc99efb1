// A separate process that appends runs to a store: `node store-child.js PATH COUNT SNAPSHOT_BYTES TAG`.
// COUNT 0 means forever (until killed). Prints "appended N ID" after each commit. An optional START_AT
// (epoch ms) makes several writers begin together.
import { randomBytes } from 'node:crypto';
import { HistoryStore } from '../../src/history/store.js';
import { makeRun } from './store-fixture.js';

const [path, countArg, bytesArg, tag, startAt] = process.argv.slice(2);
if (!path) throw new Error('usage: store-child PATH COUNT SNAPSHOT_BYTES TAG');
const count = Number(countArg ?? 1);
const bytes = Number(bytesArg ?? 512);
if (startAt) while (Date.now() < Number(startAt)) { /* wait for the others */ }
// Four writers contend on a two-core machine: this test is about losing nothing, not the 5 s default.
const store = HistoryStore.open(path, { busyTimeoutMs: 30_000 });
for (let i = 0; count === 0 || i < count; i++) {
  const { id } = store.append(makeRun({ time: new Date().toISOString(), host: `${tag}`, reportText: `${tag} ${i}\n`, snapshot: randomBytes(bytes) }));
  process.stdout.write(`appended ${i} ${id}\n`);
}
store.close();
