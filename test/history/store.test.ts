import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { HistoryError, HistoryStore, lockedMessage } from '../../src/history/store.js';
import { makeRun, tempStore } from './store-fixture.js';

/** Appends n runs an hour apart and returns their ids, oldest first. */
function fill(store: HistoryStore, n: number, start = Date.parse('2025-03-01T00:00:00Z')): string[] {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(store.append(makeRun({ time: new Date(start + i * 3_600_000).toISOString(), reportText: `run ${i}\n` })).id);
  return ids;
}

/** Direct SQL on the store's file, as someone tampering with it would. */
function sql(path: string, statements: string): void {
  const db = new Database(path);
  try { db.exec(statements); } finally { db.close(); }
}

function assertBroken(store: HistoryStore, id: string, reason: RegExp): void {
  const v = store.verify();
  assert.equal(v.ok, false, 'verify should fail');
  if (v.ok) return;
  assert.equal(v.firstBroken.id, id);
  assert.match(v.firstBroken.reason, reason);
}

describe('HistoryStore: open', () => {
  it('creates the directory 0700 and the file, -wal and -shm 0600, in WAL mode with a version table', (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    const store = HistoryStore.open(tmp.path);
    try {
      store.append(makeRun());
      assert.equal(statSync(join(tmp.dir, 'state')).mode & 0o777, 0o700);
      for (const f of [tmp.path, `${tmp.path}-wal`, `${tmp.path}-shm`]) {
        assert.ok(existsSync(f), `${f} exists`);
        assert.equal(statSync(f).mode & 0o777, 0o600, f);
      }
      const db = new Database(tmp.path, { readonly: true });
      try {
        assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
        assert.deepEqual(db.prepare('SELECT version FROM schema_version').all(), [{ version: 1 }]);
      } finally { db.close(); }
    } finally { store.close(); }
    // Reopening migrates nothing and keeps the record.
    const again = HistoryStore.open(tmp.path);
    try { assert.equal(again.list().length, 1); } finally { again.close(); }
  });

  it('defaultPath: root, XDG_STATE_HOME, ~/.local/state', () => {
    assert.equal(HistoryStore.defaultPath({ HOME: '/root' }, 0), '/var/lib/procdx/history.db');
    assert.equal(HistoryStore.defaultPath({ HOME: '/home/a', XDG_STATE_HOME: '/xdg' }, 1000), '/xdg/procdx/history.db');
    assert.equal(HistoryStore.defaultPath({ HOME: '/home/a' }, 1000), '/home/a/.local/state/procdx/history.db');
    // A relative XDG_STATE_HOME is invalid by the spec and ignored.
    assert.equal(HistoryStore.defaultPath({ HOME: '/home/a', XDG_STATE_HOME: 'rel' }, 1000), '/home/a/.local/state/procdx/history.db');
  });

  it('a directory that cannot be created is a clear error (and does not hang: /proc)', () => {
    assert.throws(() => HistoryStore.open('/proc/procdx-cannot-write-here/sub/history.db'),
      (e: unknown) => e instanceof HistoryError && /^cannot create the history store \/proc\/procdx-cannot-write-here\/sub\/history\.db: ENOENT/.test(e.message));
  });

  it('a newer schema version is refused with a clear error', (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    HistoryStore.open(tmp.path).close();
    sql(tmp.path, "INSERT INTO schema_version (version, applied_at) VALUES (99, 'later')");
    assert.throws(() => HistoryStore.open(tmp.path), (e: unknown) => e instanceof HistoryError && /written by a newer procdx \(schema version 99/.test(e.message));
  });

  it('waits for a lock up to the busy timeout, then says the store is locked', (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    const store = HistoryStore.open(tmp.path, { busyTimeoutMs: 300 });
    t.after(() => store.close());
    const other = new Database(tmp.path);
    other.exec('BEGIN IMMEDIATE');
    try {
      assert.throws(() => store.append(makeRun()), (e: unknown) => e instanceof HistoryError && e.message === `${tmp.path} is locked by another process for more than 0.3 s`);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    store.append(makeRun());
    assert.equal(store.list().length, 1);
    assert.equal(lockedMessage('/x', 5000), '/x is locked by another process for more than 5 s');
  });
});

describe('HistoryStore: records', () => {
  const tmp = tempStore();
  let store: HistoryStore;
  before(() => { store = HistoryStore.open(tmp.path); });
  after(() => { store.close(); tmp.remove(); });

  it('round trip: get returns every field as appended, with its digests', () => {
    const run = makeRun({ host: null, kernel: null });
    const { id, digest } = store.append(run);
    assert.match(id, /^[0-9A-Z]{26}$/);
    const got = store.get(id);
    const { time, host, kernel, procdxVersion, command, snapshot, facts, report, reportText, rules, ruleSetDigest, timings, exitCode, severities, firedRules } = got;
    assert.deepEqual({ time, host, kernel, procdxVersion, command, snapshot, facts, report, reportText, rules, ruleSetDigest, timings, exitCode, severities, firedRules }, run);
    assert.equal(got.digest, digest);
    assert.match(got.prevDigest, /^0{64}$/);
    assert.equal(got.origin, null);
    assert.ok(got.bytes > run.snapshot.length + run.report.length);
    const second = store.append(makeRun());
    assert.equal(store.get(second.id).prevDigest, digest, 'the next record names the previous digest');
  });
});

describe('HistoryStore: list and get', () => {
  const tmp = tempStore();
  let store: HistoryStore;
  const ids: Record<string, string> = {};
  before(() => {
    store = HistoryStore.open(tmp.path);
    const add = (name: string, over: Parameters<typeof makeRun>[0]) => { ids[name] = store.append(makeRun(over)).id; };
    // Appended out of time order: list sorts by run time.
    add('b', { time: '2025-03-02T00:00:00Z', host: 'web-1', severities: { critical: 1, warning: 0, info: 0 }, firedRules: ['oom-kill', 'mem-pressure'] });
    add('a', { time: '2025-03-01T00:00:00Z', host: 'web-1', severities: { critical: 0, warning: 1, info: 0 }, firedRules: ['mem-pressure'] });
    add('c', { time: '2025-03-03T00:00:00Z', host: 'db-1', severities: { critical: 0, warning: 0, info: 2 }, firedRules: ['info-only'] });
    add('d', { time: '2025-03-04T00:00:00Z', host: 'db-1', severities: { critical: 0, warning: 0, info: 0 }, firedRules: [], exitCode: 0 });
  });
  after(() => { store.close(); tmp.remove(); });
  const names = (list: { id: string }[]) => list.map((r) => Object.keys(ids).find((k) => ids[k] === r.id));

  const cases: { name: string; filter: Parameters<HistoryStore['list']>[0]; want: string[] }[] = [
    { name: 'no filter: newest first', filter: {}, want: ['d', 'c', 'b', 'a'] },
    { name: 'host', filter: { host: 'web-1' }, want: ['b', 'a'] },
    { name: 'since (inclusive)', filter: { since: '2025-03-02T00:00:00Z' }, want: ['d', 'c', 'b'] },
    { name: 'until (inclusive)', filter: { until: '2025-03-02T00:00:00.000Z' }, want: ['b', 'a'] },
    { name: 'since and until', filter: { since: '2025-03-01T12:00:00Z', until: '2025-03-03T12:00:00Z' }, want: ['c', 'b'] },
    { name: 'rule', filter: { rule: 'mem-pressure' }, want: ['b', 'a'] },
    { name: 'rule that never fired', filter: { rule: 'nothing' }, want: [] },
    { name: 'severity critical', filter: { severity: 'critical' }, want: ['b'] },
    { name: 'severity warning (or worse)', filter: { severity: 'warning' }, want: ['b', 'a'] },
    { name: 'severity info (or worse)', filter: { severity: 'info' }, want: ['c', 'b', 'a'] },
    { name: 'limit', filter: { limit: 2 }, want: ['d', 'c'] },
    { name: 'host and limit', filter: { host: 'db-1', limit: 1 }, want: ['d'] },
  ];
  for (const c of cases) {
    it(`list: ${c.name}`, () => assert.deepEqual(names(store.list(c.filter)), c.want));
  }

  it('list: summaries carry severities, fired rules and size', () => {
    const b = store.list({ host: 'web-1', limit: 1 })[0]!;
    assert.deepEqual(b.severities, { critical: 1, warning: 0, info: 0 });
    assert.deepEqual(b.firedRules, ['oom-kill', 'mem-pressure']);
    assert.equal(b.host, 'web-1');
    assert.ok(b.bytes > 512);
  });

  it('list: a bad date is a clear error', () => {
    assert.throws(() => store.list({ since: 'yesterday' }), (e: unknown) => e instanceof HistoryError && /since: not a date and time: "yesterday"/.test(e.message));
  });

  it('get: by full id, by unique prefix in any case, and last', () => {
    assert.equal(store.get(ids.a!).id, ids.a);
    const prefix = ids.c!.slice(0, 9);
    assert.equal(store.get(prefix).id, ids.c);
    assert.equal(store.get(prefix.toLowerCase()).id, ids.c);
    assert.equal(store.get('last').id, ids.d, 'last is the newest run');
  });

  it('get: unknown, ambiguous and malformed references are clear errors', () => {
    assert.throws(() => store.get('ZZZZ'), (e: unknown) => e instanceof HistoryError && /^no run with id ZZZZ in /.test(e.message));
    const twin = store.append(makeRun({ time: '2025-03-04T00:00:00Z' })).id;
    const shared = twin.slice(0, 10); // same millisecond: same time part
    assert.equal(shared, ids.d!.slice(0, 10));
    assert.throws(() => store.get(shared), (e: unknown) => e instanceof HistoryError && /is ambiguous: it matches .*give more characters/.test(e.message) && e.message.includes(ids.d!) && e.message.includes(twin));
    assert.throws(() => store.get('01%'), (e: unknown) => e instanceof HistoryError && /not a run id/.test(e.message));
  });

  it('get last on an empty store is a clear error', (t) => {
    const empty = tempStore();
    t.after(empty.remove);
    const s = HistoryStore.open(empty.path);
    try {
      assert.throws(() => s.get('last'), (e: unknown) => e instanceof HistoryError && /^no runs recorded in /.test(e.message));
      assert.deepEqual(s.list(), []);
      assert.deepEqual(s.verify(), { ok: true, records: 0, pruned: 0 });
    } finally { s.close(); }
  });
});

describe('HistoryStore: verify', () => {
  function setup(t: { after: (fn: () => void) => void }, n = 5): { path: string; store: HistoryStore; ids: string[] } {
    const tmp = tempStore();
    const store = HistoryStore.open(tmp.path);
    t.after(() => { store.close(); tmp.remove(); });
    const ids = fill(store, n);
    assert.deepEqual(store.verify(), { ok: true, records: n, pruned: 0 });
    return { path: tmp.path, store, ids };
  }

  it('detects an edited finding (the report column changed with SQL)', (t) => {
    const { path, store, ids } = setup(t);
    sql(path, `UPDATE runs SET report = replace(report, '"warning"', '"info"') WHERE id = '${ids[2]}'`);
    assert.match(store.get(ids[2]!).report, /"info"/);
    assertBroken(store, ids[2]!, /^record \w+ was edited: its content does not match its digest$/);
  });

  it('detects an edited snapshot', (t) => {
    const { path, store, ids } = setup(t);
    sql(path, `UPDATE runs SET snapshot = zeroblob(512) WHERE id = '${ids[1]}'`);
    assertBroken(store, ids[1]!, /was edited: its snapshot does not match the snapshot digest/);
  });

  it('detects an edit that recomputes the digest: the next record no longer links to it', (t) => {
    const { path, store, ids } = setup(t);
    // Whoever edits a record and forges its digest still breaks the next link.
    sql(path, `UPDATE runs SET digest = '${'ab'.repeat(32)}' WHERE id = '${ids[1]}'`);
    const v = store.verify();
    assert.equal(v.ok, false);
    if (!v.ok) assert.equal(v.firstBroken.id, ids[1]);
  });

  it('detects a deleted record', (t) => {
    const { path, store, ids } = setup(t);
    sql(path, `DELETE FROM runs WHERE id = '${ids[2]}'`);
    assertBroken(store, ids[3]!, new RegExp(`^record ${ids[3]} names a previous digest .* that is not the digest of record ${ids[1]}: a record between them was deleted`));
  });

  it('detects a deleted first record', (t) => {
    const { path, store, ids } = setup(t);
    sql(path, `DELETE FROM runs WHERE id = '${ids[0]}'`);
    assertBroken(store, ids[1]!, /not the digest of the start of the store: a record between them was deleted/);
  });

  it('detects reordered records (two rows swap places in the chain)', (t) => {
    const { path, store, ids } = setup(t);
    sql(path, `UPDATE runs SET seq = -1 WHERE id = '${ids[1]}'; UPDATE runs SET seq = (SELECT seq FROM runs WHERE id = '${ids[0]}') + 1 WHERE id = '${ids[2]}';
      UPDATE runs SET seq = (SELECT seq FROM runs WHERE id = '${ids[0]}') + 2 WHERE id = '${ids[1]}'`);
    assertBroken(store, ids[2]!, new RegExp(`^record ${ids[2]} names record ${ids[1]} as its previous record, but it follows record ${ids[0]}: records were reordered$`));
  });

  it('detects swapped ids', (t) => {
    const { path, store, ids } = setup(t);
    sql(path, `UPDATE runs SET id = 'X' WHERE id = '${ids[1]}'; UPDATE runs SET id = '${ids[1]}' WHERE id = '${ids[2]}'; UPDATE runs SET id = '${ids[2]}' WHERE id = 'X'`);
    assertBroken(store, ids[2]!, /was edited/);
  });
});

describe('HistoryStore: prune', () => {
  it('--keep N keeps the N newest, records the prune, and verify passes', (t) => {
    const tmp = tempStore();
    const store = HistoryStore.open(tmp.path);
    t.after(() => { store.close(); tmp.remove(); });
    const ids = fill(store, 10);
    assert.deepEqual(store.prune({ keep: 4 }), { removed: 6 });
    assert.deepEqual(store.list().map((r) => r.id), ids.slice(6).reverse());
    assert.deepEqual(store.verify(), { ok: true, records: 4, pruned: 6 });
    // Appending after a prune links to the prune marker, and a second prune counts on.
    fill(store, 3, Date.parse('2025-04-01T00:00:00Z'));
    assert.deepEqual(store.verify(), { ok: true, records: 7, pruned: 6 });
    assert.deepEqual(store.prune({ keep: 5 }), { removed: 2 });
    assert.deepEqual(store.verify(), { ok: true, records: 5, pruned: 8 });
    assert.deepEqual(store.prune({ keep: 5 }), { removed: 0 });
    assert.deepEqual(store.prune({ keep: 0 }), { removed: 5 });
    assert.deepEqual(store.verify(), { ok: true, records: 0, pruned: 13 });
    fill(store, 1, Date.parse('2025-05-01T00:00:00Z'));
    assert.deepEqual(store.verify(), { ok: true, records: 1, pruned: 13 });
  });

  it('--keep-days N removes older runs and verify passes', (t) => {
    const tmp = tempStore();
    const store = HistoryStore.open(tmp.path);
    t.after(() => { store.close(); tmp.remove(); });
    const day = 86_400_000;
    const old = fill(store, 3, Date.now() - 40 * day);
    const recent = fill(store, 2, Date.now() - 2 * day);
    assert.deepEqual(store.prune({ keepDays: 30 }), { removed: old.length });
    assert.deepEqual(store.list().map((r) => r.id).sort(), [...recent].sort());
    assert.deepEqual(store.verify(), { ok: true, records: 2, pruned: 3 });
  });

  it('after a prune, tampering with what is left is still detected', (t) => {
    const tmp = tempStore();
    const store = HistoryStore.open(tmp.path);
    t.after(() => { store.close(); tmp.remove(); });
    const ids = fill(store, 6);
    store.prune({ keep: 3 });
    sql(tmp.path, `DELETE FROM runs WHERE id = '${ids[3]}'`);
    assertBroken(store, ids[4]!, new RegExp(`not the digest of ${ids[2]} \\(the last record pruned by .*\\): a record between them was deleted`));
  });

  it('an edited prune marker is detected', (t) => {
    const tmp = tempStore();
    const store = HistoryStore.open(tmp.path);
    t.after(() => { store.close(); tmp.remove(); });
    fill(store, 4);
    store.prune({ keep: 2 });
    fill(store, 1, Date.parse('2025-06-01T00:00:00Z'));
    sql(tmp.path, 'UPDATE prunes SET removed = 1');
    const v = store.verify();
    assert.equal(v.ok, false);
    if (!v.ok) assert.match(v.firstBroken.reason, /^prune marker \w+ was edited/);
  });

  it('needs keep or keepDays', (t) => {
    const tmp = tempStore();
    const store = HistoryStore.open(tmp.path);
    t.after(() => { store.close(); tmp.remove(); });
    assert.throws(() => store.prune({}), HistoryError);
    assert.throws(() => store.prune({ keep: -1 }), HistoryError);
  });
});

describe('HistoryStore: export and import', () => {
  it('a run exported from one store imports into another, names its origin, and both verify', (t) => {
    const a = tempStore();
    const b = tempStore();
    const from = HistoryStore.open(a.path);
    const to = HistoryStore.open(b.path);
    t.after(() => { from.close(); to.close(); a.remove(); b.remove(); });
    const ids = fill(from, 3);
    fill(to, 2, Date.parse('2025-02-01T00:00:00Z'));
    const file = from.exportRun(ids[1]!.slice(0, 12));
    const { id } = to.importRun(file);
    assert.equal(id, ids[1]);
    const original = from.get(ids[1]!);
    const imported = to.get(id);
    for (const k of ['time', 'host', 'kernel', 'procdxVersion', 'command', 'snapshot', 'facts', 'report', 'reportText', 'rules', 'ruleSetDigest', 'timings', 'exitCode', 'severities', 'firedRules'] as const) {
      assert.deepEqual(imported[k], original[k], k);
    }
    assert.equal(imported.origin?.digest, original.digest);
    assert.equal(imported.origin?.prevDigest, original.prevDigest);
    assert.notEqual(imported.digest, original.digest, 'a new link in the importing store');
    assert.deepEqual(to.verify(), { ok: true, records: 3, pruned: 0 });
    assert.throws(() => to.importRun(file), (e: unknown) => e instanceof HistoryError && /is already in/.test(e.message));
    // Exported again from the second store, it carries both origins.
    const c = tempStore();
    t.after(c.remove);
    const third = HistoryStore.open(c.path);
    t.after(() => third.close());
    third.importRun(to.exportRun(id));
    assert.equal(third.get(id).origin?.origin?.digest, original.digest);
    assert.deepEqual(third.verify(), { ok: true, records: 1, pruned: 0 });
  });

  it('an altered export file is refused', async (t) => {
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const a = tempStore();
    const b = tempStore();
    const from = HistoryStore.open(a.path);
    const to = HistoryStore.open(b.path);
    t.after(() => { from.close(); to.close(); a.remove(); b.remove(); });
    const [id] = fill(from, 1);
    const doc = JSON.parse(gunzipSync(from.exportRun(id!)).toString()) as { run: { report: string } };
    doc.run.report = doc.run.report.replace('warning', 'info');
    assert.throws(() => to.importRun(gzipSync(JSON.stringify(doc))), (e: unknown) => e instanceof HistoryError && /content does not match its digest \(the file was altered\)/.test(e.message));
    assert.throws(() => to.importRun(Buffer.from('hello')), (e: unknown) => e instanceof HistoryError && /^not a procdx history export/.test(e.message));
    assert.deepEqual(to.list(), []);
  });
});

describe('HistoryStore: foreign and corrupt files', () => {
  it('a text file given as the store', async (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(join(tmp.dir, 'state'));
    writeFileSync(tmp.path, 'these are my notes, not a database\n'.repeat(40));
    assert.throws(() => HistoryStore.open(tmp.path), (e: unknown) => e instanceof HistoryError && e.message === `${tmp.path} is not a procdx history database (not an SQLite file)`);
  });

  it('another SQLite database without procdx tables', async (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(tmp.dir, 'state'));
    sql(tmp.path, 'CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    assert.throws(() => HistoryStore.open(tmp.path), (e: unknown) => e instanceof HistoryError && e.message === `${tmp.path} is not a procdx history database (an SQLite database with other tables: invoices)`);
  });

  it('a corrupt store', async (t) => {
    const tmp = tempStore();
    t.after(tmp.remove);
    const store = HistoryStore.open(tmp.path);
    fill(store, 20);
    store.close(); // checkpoints the WAL into the file
    const { openSync, writeSync, closeSync, fstatSync } = await import('node:fs');
    const fd = openSync(tmp.path, 'r+');
    // Garbage over everything after the 100-byte header: the schema and every table page.
    const size = fstatSync(fd).size;
    writeSync(fd, Buffer.alloc(size - 100, 0xa5), 0, size - 100, 100);
    closeSync(fd);
    assert.throws(() => {
      const s = HistoryStore.open(tmp.path);
      try { s.list(); s.verify(); } finally { s.close(); }
    }, (e: unknown) => e instanceof HistoryError && /is corrupt \(.*\); move it aside|is not a procdx history database/.test(e.message));
  });
});
