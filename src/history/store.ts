// The audit history: every diagnosis run kept in an embedded SQLite database (a single host needs no
// server), linked into a hash chain so that an edited, deleted or reordered record is detected.
//
// Chain: runs and prune markers share one sequence (seq). Each link stores prevDigest (the digest of
// the link before it) and digest = sha256 over prevDigest and the canonical JSON of every stored field
// (the snapshot through its sha256, recomputed from the bytes on verify). seq itself is not hashed:
// the order is what the prevDigest links prove. Pruning removes the oldest links in chain order and
// appends a prune marker that names the digest of the last removed link; verify starts from the
// newest marker's digest, so it passes after a prune and still catches tampering with what is left.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import { install } from '../install.js';
import { GENESIS_DIGEST, linkDigest, newId, sha256Hex } from './chain.js';
import { APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION } from './migrations.js';

/** What diagnose hands the store for one run. Everything a replay years later needs. */
export interface RunInput {
  time: string;                 // ISO 8601, UTC, when the run started
  host: string | null;
  kernel: string | null;
  procdxVersion: string;
  command: string[];            // argv of the run, e.g. ["procdx","diagnose","--format","json"]
  snapshot: Buffer;             // the capture archive (.tar.gz bytes, as procdx capture writes it)
  facts: string;                // facts JSON (schemas/facts.schema.json)
  report: string;               // the JSON report (schemas/report.schema.json), exactly as diagnose --format json prints it
  reportText: string;           // the text report exactly as printed (or as it would print, width 80, no colour)
  rules: { id: string; origin: string; file: string; source: string; digest: string }[];  // source = the YAML text(s) that made the rule; digest = sha256 hex
  ruleSetDigest: string;        // sha256 over the rules' digests in id order
  timings: { collectMs: number; factsMs: number; rulesMs: number };
  exitCode: number;             // 0/1/2 as diagnose exits
  severities: { critical: number; warning: number; info: number };
  firedRules: string[];         // ids of the rules that fired (for `history list --rule`)
}

export interface RunSummary {
  id: string;                   // unique, sortable by time (e.g. ULID-like: time prefix + random), 26 chars or so
  time: string; host: string | null; kernel: string | null; procdxVersion: string;
  exitCode: number; severities: { critical: number; warning: number; info: number }; firedRules: string[];
  bytes: number;                // stored size of the record
}

/** Where an imported run came from: its digests in the exporting store, and when it was imported. */
export interface RunOrigin {
  digest: string;               // the run's digest in the store it was exported from
  prevDigest: string;
  exportedAt: string;
  importedAt: string;
  origin: RunOrigin | null;     // when the exported run had itself been imported
}

export interface StoredRun extends RunSummary, Omit<RunInput, 'time' | 'host' | 'kernel' | 'procdxVersion' | 'exitCode' | 'severities' | 'firedRules'> {
  prevDigest: string; digest: string;
  /** Added to the agreed API: null for a run recorded here, set for an imported run. */
  origin?: RunOrigin | null;
}

/** severity is a minimum: 'warning' lists runs with a warning or a critical finding. since/until are inclusive. */
export interface ListFilter { host?: string; since?: string; until?: string; rule?: string; severity?: 'critical' | 'warning' | 'info'; limit?: number }

export type VerifyResult = { ok: true; records: number; pruned: number } | { ok: false; records: number; firstBroken: { id: string; reason: string } };

/** A failure of the history store, in words for the person at the terminal. */
export class HistoryError extends Error {
  override name = 'HistoryError';
}

/** No history at all in this procdx: the native SQLite module could not be loaded (`reason` says why and what to do). */
export class HistoryUnavailableError extends HistoryError {
  override name = 'HistoryUnavailableError';
  constructor(readonly reason: string) {
    super(`the history is not available: ${reason}`);
  }
}

let sqlite: typeof Database | undefined;

/**
 * better-sqlite3, loaded on first use instead of imported: it is a native addon, and a procdx
 * without it still diagnoses, with the history off. The single-file build looks for it the way
 * Node looks for any package from the file's own folder (node_modules beside it, or above).
 */
export function loadSqlite(): typeof Database {
  if (sqlite) return sqlite;
  try {
    const loaded = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
    // The addon itself loads with the first database: one built for another Node fails here, not later.
    new loaded(':memory:').close();
    sqlite = loaded;
    return sqlite;
  } catch (err) {
    throw new HistoryUnavailableError(sqliteMissingReason(err as NodeJS.ErrnoException));
  }
}

function sqliteMissingReason(err: NodeJS.ErrnoException): string {
  const absent = err.code === 'MODULE_NOT_FOUND' && err.message.includes("'better-sqlite3'");
  const why = (err.message ?? String(err)).replace(/\s*\n\s*/g, ' ').replace(/\.$/, '');
  if (install.kind === 'single-file') {
    const folder = dirname(fileURLToPath(import.meta.url));
    const found = absent ? 'is not available in this single-file build' : `beside this single-file build could not be loaded (${why})`;
    return `the native SQLite module ${found}; to keep a history, install better-sqlite3 for this Node beside it (cd ${folder} && npm install better-sqlite3) or install the procdx package`;
  }
  return `the native SQLite module (better-sqlite3) could not be loaded (${why}); reinstall procdx for this Node version (npm ci, or npm rebuild better-sqlite3)`;
}

const EXPORT_FORMAT = 'procdx-history-export';
const EXPORT_VERSION = 1;

/** "5 s", "0.3 s": the busy timeout as the lock message states it. */
export function lockedMessage(path: string, busyTimeoutMs: number): string {
  const s = Math.round(busyTimeoutMs / 100) / 10;
  return `${path} is locked by another process for more than ${s} s`;
}

interface RunRow {
  seq: number; id: string; time: string; time_ms: number; host: string | null; kernel: string | null;
  procdx_version: string; exit_code: number; critical: number; warning: number; info: number;
  fired_rules: string; bytes: number; prev_digest: string; digest: string;
}
interface FullRunRow extends RunRow {
  command: string; timings: string; rule_set_digest: string; origin: string | null; snapshot_sha256: string;
  rules: string; facts: string; report: string; report_text: string; snapshot: Buffer;
}
interface PruneRow {
  seq: number; id: string; time: string; how: string; removed: number; total_pruned: number;
  through_seq: number; through_id: string; through_digest: string; prev_digest: string; digest: string;
}

const SUMMARY_COLUMNS = 'seq, id, time, time_ms, host, kernel, procdx_version, exit_code, critical, warning, info, fired_rules, bytes, prev_digest, digest';

/** Stored size of a record: the snapshot plus every text field, in bytes. */
function recordBytes(r: Omit<FullRunRow, 'seq' | 'bytes' | 'prev_digest' | 'digest'>): number {
  let n = r.snapshot.length;
  for (const v of [r.id, r.time, r.host, r.kernel, r.procdx_version, r.fired_rules, r.command, r.timings,
    r.rule_set_digest, r.origin, r.snapshot_sha256, r.rules, r.facts, r.report, r.report_text]) {
    if (v !== null) n += Buffer.byteLength(v);
  }
  return n + 64 * 2 + 8 * 6;
}

/** Every stored field of a run, as the digest covers it (the snapshot by its sha256). */
function runFields(r: Omit<FullRunRow, 'seq' | 'prev_digest' | 'digest' | 'snapshot'>, snapshotSha256: string): Record<string, unknown> {
  return {
    kind: 'run', id: r.id, time: r.time, timeMs: r.time_ms, host: r.host, kernel: r.kernel,
    procdxVersion: r.procdx_version, exitCode: r.exit_code,
    severities: { critical: r.critical, warning: r.warning, info: r.info }, firedRules: r.fired_rules,
    bytes: r.bytes, command: r.command, timings: r.timings, ruleSetDigest: r.rule_set_digest, origin: r.origin,
    snapshotSha256, rules: r.rules, facts: r.facts, report: r.report, reportText: r.report_text,
  };
}

function pruneFields(p: Omit<PruneRow, 'seq' | 'prev_digest' | 'digest'>): Record<string, unknown> {
  return {
    kind: 'prune', id: p.id, time: p.time, how: p.how, removed: p.removed, totalPruned: p.total_pruned,
    throughSeq: p.through_seq, throughId: p.through_id, throughDigest: p.through_digest,
  };
}

function toSummary(r: RunRow): RunSummary {
  return {
    id: r.id, time: r.time, host: r.host, kernel: r.kernel, procdxVersion: r.procdx_version,
    exitCode: r.exit_code, severities: { critical: r.critical, warning: r.warning, info: r.info },
    firedRules: JSON.parse(r.fired_rules) as string[], bytes: r.bytes,
  };
}

function toStored(r: FullRunRow): StoredRun {
  return {
    ...toSummary(r),
    command: JSON.parse(r.command) as string[],
    snapshot: r.snapshot,
    facts: r.facts, report: r.report, reportText: r.report_text,
    rules: JSON.parse(r.rules) as StoredRun['rules'],
    ruleSetDigest: r.rule_set_digest,
    timings: JSON.parse(r.timings) as StoredRun['timings'],
    prevDigest: r.prev_digest, digest: r.digest,
    origin: r.origin === null ? null : (JSON.parse(r.origin) as RunOrigin),
  };
}

function parseTime(label: string, value: string): number {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new HistoryError(`${label}: not a date and time: ${JSON.stringify(value)} (use ISO 8601, e.g. 2025-01-31T10:53:00Z)`);
  return ms;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
}

/** Checks a RunInput's shape, so a caller's mistake is a clear error rather than a half-written record. */
function checkInput(run: RunInput): void {
  const bad = (what: string): never => { throw new HistoryError(`cannot record the run: ${what}`); };
  if (!Buffer.isBuffer(run.snapshot)) bad('snapshot is not a Buffer');
  for (const k of ['facts', 'report', 'reportText', 'procdxVersion', 'ruleSetDigest'] as const) {
    if (typeof run[k] !== 'string') bad(`${k} is not a string`);
  }
  if (!Array.isArray(run.command) || !run.command.every((a) => typeof a === 'string')) bad('command is not a list of strings');
  if (!Array.isArray(run.firedRules) || !run.firedRules.every((a) => typeof a === 'string')) bad('firedRules is not a list of strings');
  if (!Array.isArray(run.rules)) bad('rules is not a list');
  if (!isCount(run.exitCode)) bad('exitCode is not a whole number');
  const s = run.severities;
  if (!s || !isCount(s.critical) || !isCount(s.warning) || !isCount(s.info)) bad('severities must hold whole-number counts');
}

export class HistoryStore {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
    private readonly busyTimeoutMs: number,
  ) {}

  /** Opens (creating dir 0700 and file 0600 if absent) with WAL, busy timeout, and schema migrations (a version table). */
  static open(path: string, options?: { busyTimeoutMs?: number }): HistoryStore {
    // First, so that a procdx without SQLite creates no empty store.
    const Sqlite = loadSqlite();
    const busyTimeoutMs = options?.busyTimeoutMs ?? 5000;
    const dir = dirname(path);
    try {
      if (!existsSync(dir)) makeDirs(dir);
      // Create the file ourselves so that it is 0600 from the start; SQLite gives -wal and -shm the
      // same mode as the database file.
      try {
        closeSync(openSync(path, 'wx', 0o600));
        chmodSync(path, 0o600);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    } catch (e) {
      throw new HistoryError(`cannot create the history store ${path}: ${(e as Error).message}`);
    }
    let db: Database.Database;
    try {
      db = new Sqlite(path, { timeout: busyTimeoutMs, fileMustExist: true });
    } catch (e) {
      throw translate(e, path, busyTimeoutMs, 'open');
    }
    const store = new HistoryStore(db, path, busyTimeoutMs);
    try {
      store.guard('open', () => store.prepare());
    } catch (e) {
      db.close();
      throw e;
    }
    return store;
  }

  /** The default location: /var/lib/procdx/history.db as root, else $XDG_STATE_HOME/procdx/history.db or ~/.local/state/procdx/history.db. */
  static defaultPath(env: NodeJS.ProcessEnv = process.env, uid: number = process.getuid?.() ?? -1): string {
    if (uid === 0) return '/var/lib/procdx/history.db';
    const state = env.XDG_STATE_HOME;
    // The XDG spec: a relative path in the variable is invalid and is ignored.
    if (state && state.startsWith('/')) return join(state, 'procdx', 'history.db');
    return join(env.HOME || homedir(), '.local', 'state', 'procdx', 'history.db');
  }

  private prepare(): void {
    const db = this.db;
    // The first read: a text file or a corrupt header fails here with SQLITE_NOTADB.
    const tables = (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((t) => t.name);
    const appId = db.pragma('application_id', { simple: true }) as number;
    if (tables.length > 0 && (appId !== APPLICATION_ID || !tables.includes('schema_version'))) {
      throw new HistoryError(`${this.path} is not a procdx history database (an SQLite database with other tables: ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''})`);
    }
    if (tables.length === 0) {
      // A new store: auto_vacuum must be chosen before the first table exists, so that prune can
      // give the space of removed snapshots back to the file system.
      db.pragma('auto_vacuum = INCREMENTAL');
    }
    if ((db.pragma('journal_mode', { simple: true }) as string).toLowerCase() !== 'wal') {
      db.pragma('journal_mode = WAL');
    }
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const migrate = db.transaction(() => {
      const hasVersionTable = db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'").get() !== undefined;
      if (!hasVersionTable) {
        db.exec('CREATE TABLE schema_version (version INTEGER NOT NULL, applied_at TEXT NOT NULL)');
        db.pragma(`application_id = ${APPLICATION_ID}`);
      }
      const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
      const current = row.v ?? 0;
      if (current > SCHEMA_VERSION) {
        throw new HistoryError(`${this.path} was written by a newer procdx (schema version ${current}; this procdx knows up to ${SCHEMA_VERSION})`);
      }
      for (let v = current; v < SCHEMA_VERSION; v++) {
        db.exec(MIGRATIONS[v]!);
        db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)').run(v + 1, new Date().toISOString());
      }
    });
    migrate.immediate();
  }

  /** Runs fn, turning SQLite's errors into HistoryErrors that say what went wrong with which file. */
  private guard<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      throw translate(e, this.path, this.busyTimeoutMs, what);
    }
  }

  private headDigest(): string {
    // Two lookups by primary key (a UNION ordered by seq would scan every row on every append).
    const run = this.db.prepare('SELECT seq, digest FROM runs ORDER BY seq DESC LIMIT 1').get() as { seq: number; digest: string } | undefined;
    const prune = this.db.prepare('SELECT seq, digest FROM prunes ORDER BY seq DESC LIMIT 1').get() as { seq: number; digest: string } | undefined;
    const head = !run ? prune : !prune ? run : run.seq > prune.seq ? run : prune;
    return head?.digest ?? GENESIS_DIGEST;
  }

  private nextSeq(): number {
    const row = this.db.prepare("UPDATE procdx_meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'next_seq' RETURNING CAST(value AS INTEGER) - 1 AS seq").get() as { seq: number } | undefined;
    if (!row) throw new HistoryError(`${this.path}: the chain's sequence counter is missing (procdx_meta.next_seq)`);
    return row.seq;
  }

  append(run: RunInput): { id: string; digest: string } {
    checkInput(run);
    const timeMs = parseTime('time', run.time);
    return this.insertRun({
      id: newId(timeMs), time: run.time, time_ms: timeMs, host: run.host, kernel: run.kernel,
      procdx_version: run.procdxVersion, exit_code: run.exitCode,
      critical: run.severities.critical, warning: run.severities.warning, info: run.severities.info,
      fired_rules: JSON.stringify(run.firedRules), command: JSON.stringify(run.command),
      timings: JSON.stringify(run.timings), rule_set_digest: run.ruleSetDigest, origin: null,
      snapshot_sha256: sha256Hex(run.snapshot), rules: JSON.stringify(run.rules), facts: run.facts,
      report: run.report, report_text: run.reportText, snapshot: run.snapshot,
    });
  }

  private insertRun(r: Omit<FullRunRow, 'seq' | 'bytes' | 'prev_digest' | 'digest'>): { id: string; digest: string } {
    const bytes = recordBytes(r);
    const fields = runFields({ ...r, bytes }, r.snapshot_sha256);
    const insert = this.db.prepare(`INSERT INTO runs (seq, id, time, time_ms, host, kernel, procdx_version, exit_code, critical, warning, info,
      fired_rules, bytes, prev_digest, digest, command, timings, rule_set_digest, origin, snapshot_sha256, rules, facts, report, report_text, snapshot)
      VALUES (@seq, @id, @time, @time_ms, @host, @kernel, @procdx_version, @exit_code, @critical, @warning, @info,
      @fired_rules, @bytes, @prev_digest, @digest, @command, @timings, @rule_set_digest, @origin, @snapshot_sha256, @rules, @facts, @report, @report_text, @snapshot)`);
    // BEGIN IMMEDIATE: the write lock is taken before the head is read, so two processes appending
    // at once are serialized and both land in one chain.
    const tx = this.db.transaction(() => {
      const prevDigest = this.headDigest();
      const digest = linkDigest(prevDigest, fields);
      insert.run({ ...r, seq: this.nextSeq(), bytes, prev_digest: prevDigest, digest });
      return { id: r.id, digest };
    });
    return this.guard('record the run in', () => tx.immediate());
  }

  /** Newest first (by run time, then by order of recording). */
  list(filter: ListFilter = {}): RunSummary[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (filter.host !== undefined) { where.push('host = @host'); params.host = filter.host; }
    if (filter.since !== undefined) { where.push('time_ms >= @since'); params.since = parseTime('since', filter.since); }
    if (filter.until !== undefined) { where.push('time_ms <= @until'); params.until = parseTime('until', filter.until); }
    if (filter.rule !== undefined) {
      where.push('EXISTS (SELECT 1 FROM json_each(runs.fired_rules) WHERE json_each.value = @rule)');
      params.rule = filter.rule;
    }
    if (filter.severity !== undefined) {
      const cond = { critical: 'critical > 0', warning: '(critical > 0 OR warning > 0)', info: '(critical > 0 OR warning > 0 OR info > 0)' }[filter.severity];
      if (!cond) throw new HistoryError(`severity: expected critical, warning or info, got ${JSON.stringify(filter.severity)}`);
      where.push(cond);
    }
    let limit = '';
    if (filter.limit !== undefined) {
      if (!Number.isInteger(filter.limit) || filter.limit < 0) throw new HistoryError(`limit: expected a whole number, got ${filter.limit}`);
      limit = ' LIMIT @limit';
      params.limit = filter.limit;
    }
    const sql = `SELECT ${SUMMARY_COLUMNS} FROM runs${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ms DESC, seq DESC${limit}`;
    return this.guard('read', () => (this.db.prepare(sql).all(params) as RunRow[]).map(toSummary));
  }

  /** Full id, unique id prefix (any case), or 'last' (the newest run, as list() puts first). */
  get(ref: string): StoredRun {
    return toStored(this.getRow(ref));
  }

  private getRow(ref: string): FullRunRow {
    return this.guard('read', () => {
      if (ref === 'last') {
        const row = this.db.prepare('SELECT * FROM runs ORDER BY time_ms DESC, seq DESC LIMIT 1').get() as FullRunRow | undefined;
        if (!row) throw new HistoryError(`no runs recorded in ${this.path}`);
        return row;
      }
      // Ids are Crockford base 32 ([0-9A-Z]), so [prefix, prefix + '~') holds exactly the ids that start with it.
      const prefix = ref.trim().toUpperCase();
      if (!/^[0-9A-Z]+$/.test(prefix)) throw new HistoryError(`not a run id: ${JSON.stringify(ref)} (expected an id, a unique prefix of one, or "last")`);
      const ids = this.db.prepare("SELECT id FROM runs WHERE id >= @p AND id < @p || '~' ORDER BY id LIMIT 6").all({ p: prefix }) as { id: string }[];
      if (ids.length === 0) throw new HistoryError(`no run with id ${ref} in ${this.path}`);
      if (ids.length > 1) {
        throw new HistoryError(`run id prefix ${ref} is ambiguous: it matches ${ids.slice(0, 5).map((i) => i.id).join(', ')}${ids.length > 5 ? ' and more' : ''}; give more characters`);
      }
      return this.db.prepare('SELECT * FROM runs WHERE id = ?').get(ids[0]!.id) as FullRunRow;
    });
  }

  /** Walks the chain, oldest first, and reports the first broken link (edited, deleted, reordered record). */
  verify(): VerifyResult {
    return this.guard('verify', () => {
      // One read transaction, so a concurrent append or prune cannot show a half-changed chain.
      const tx = this.db.transaction((): VerifyResult => {
        const prunes = this.db.prepare('SELECT * FROM prunes ORDER BY seq').all() as PruneRow[];
        const records = (this.db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;
        const anchor = prunes.length > 0 ? prunes[prunes.length - 1]! : undefined;
        // Every digest in the store, to tell a reordered record (it names one that exists) from a deleted one.
        const owners = new Map<string, string>();
        for (const r of this.db.prepare('SELECT id, digest FROM runs').iterate() as Iterable<{ id: string; digest: string }>) owners.set(r.digest, `record ${r.id}`);
        for (const p of prunes) owners.set(p.digest, `prune marker ${p.id}`);

        let expected = anchor ? anchor.through_digest : GENESIS_DIGEST;
        let prevName = anchor ? `${anchor.through_id} (the last record pruned by ${anchor.id})` : 'the start of the store';
        const throughSeq = anchor ? anchor.through_seq : 0;
        let pi = 0;
        while (pi < prunes.length && prunes[pi]!.seq <= throughSeq) pi++;
        const broken = (id: string, reason: string): VerifyResult => ({ ok: false, records, firstBroken: { id, reason } });
        const checkLink = (name: string, id: string, prevDigest: string): VerifyResult | undefined => {
          if (prevDigest === expected) return undefined;
          const named = owners.get(prevDigest);
          if (named !== undefined) {
            return broken(id, `${name} names ${named} as its previous record, but it follows ${prevName}: records were reordered`);
          }
          return broken(id, `${name} names a previous digest (${prevDigest.slice(0, 12)}...) that is not the digest of ${prevName}: a record between them was deleted, or records were reordered`);
        };
        const runs = this.db.prepare('SELECT * FROM runs ORDER BY seq').iterate() as Iterable<FullRunRow>;
        const visitPrune = (p: PruneRow): VerifyResult | undefined => {
          const name = `prune marker ${p.id}`;
          const bad = checkLink(name, p.id, p.prev_digest);
          if (bad) return bad;
          if (linkDigest(p.prev_digest, pruneFields(p)) !== p.digest) return broken(p.id, `${name} was edited: its content does not match its digest`);
          expected = p.digest;
          prevName = name;
          return undefined;
        };
        for (const r of runs) {
          while (pi < prunes.length && prunes[pi]!.seq < r.seq) {
            const bad = visitPrune(prunes[pi++]!);
            if (bad) return bad;
          }
          const name = `record ${r.id}`;
          if (r.seq <= throughSeq) return broken(r.id, `${name} is older than the last prune (${anchor?.id}) but is still in the store: the prune marker was edited`);
          const bad = checkLink(name, r.id, r.prev_digest);
          if (bad) return bad;
          const snapshotSha = sha256Hex(r.snapshot);
          if (snapshotSha !== r.snapshot_sha256) return broken(r.id, `${name} was edited: its snapshot does not match the snapshot digest`);
          if (linkDigest(r.prev_digest, runFields(r, snapshotSha)) !== r.digest) return broken(r.id, `${name} was edited: its content does not match its digest`);
          expected = r.digest;
          prevName = name;
        }
        while (pi < prunes.length) {
          const bad = visitPrune(prunes[pi++]!);
          if (bad) return bad;
        }
        return { ok: true, records, pruned: anchor ? anchor.total_pruned : 0 };
      });
      return tx.deferred();
    });
  }

  /**
   * Removes the oldest records in chain order: all but the `keep` newest, and (with keepDays) those
   * whose run time is older than keepDays days, stopping at the first record that is to be kept.
   * Appends a prune marker, so verify still passes.
   */
  prune(options: { keepDays?: number; keep?: number }): { removed: number } {
    const { keep, keepDays } = options;
    if (keep === undefined && keepDays === undefined) throw new HistoryError('prune: give keep or keepDays');
    if (keep !== undefined && !isCount(keep)) throw new HistoryError(`prune: keep must be a whole number, got ${keep}`);
    if (keepDays !== undefined && !(typeof keepDays === 'number' && keepDays >= 0)) throw new HistoryError(`prune: keepDays must be a number of days >= 0, got ${keepDays}`);
    const tx = this.db.transaction((): { removed: number } => {
      const rows = this.db.prepare('SELECT seq, id, time_ms, digest FROM runs ORDER BY seq').all() as { seq: number; id: string; time_ms: number; digest: string }[];
      let cut = keep !== undefined ? Math.max(0, rows.length - keep) : rows.length;
      if (keepDays !== undefined) {
        const cutoff = Date.now() - keepDays * 86_400_000;
        let n = 0;
        while (n < cut && rows[n]!.time_ms < cutoff) n++;
        cut = n;
      }
      if (cut === 0) return { removed: 0 };
      const last = rows[cut - 1]!;
      const prior = this.db.prepare('SELECT total_pruned FROM prunes ORDER BY seq DESC LIMIT 1').get() as { total_pruned: number } | undefined;
      this.db.prepare('DELETE FROM runs WHERE seq <= ?').run(last.seq);
      this.db.prepare('DELETE FROM prunes WHERE seq <= ?').run(last.seq);
      const now = new Date();
      const marker = {
        id: newId(now.getTime()), time: now.toISOString(), how: JSON.stringify({ keep: keep ?? null, keepDays: keepDays ?? null }),
        removed: cut, total_pruned: (prior?.total_pruned ?? 0) + cut,
        through_seq: last.seq, through_id: last.id, through_digest: last.digest,
      };
      const prevDigest = this.headDigest();
      const digest = linkDigest(prevDigest, pruneFields(marker));
      this.db.prepare(`INSERT INTO prunes (seq, id, time, how, removed, total_pruned, through_seq, through_id, through_digest, prev_digest, digest)
        VALUES (@seq, @id, @time, @how, @removed, @total_pruned, @through_seq, @through_id, @through_digest, @prev_digest, @digest)`)
        .run({ ...marker, seq: this.nextSeq(), prev_digest: prevDigest, digest });
      return { removed: cut };
    });
    const result = this.guard('prune', () => tx.immediate());
    if (result.removed > 0) {
      // Give the removed snapshots' pages back; a failure here loses nothing.
      try { this.db.pragma('incremental_vacuum'); } catch { /* the space is reused by later records */ }
    }
    return result;
  }

  /** A self-contained file (gzip of JSON): one run with every stored field and its digests. */
  exportRun(ref: string): Buffer {
    const r = this.getRow(ref);
    const doc = {
      format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: new Date().toISOString(),
      run: {
        id: r.id, time: r.time, timeMs: r.time_ms, host: r.host, kernel: r.kernel, procdxVersion: r.procdx_version,
        exitCode: r.exit_code, severities: { critical: r.critical, warning: r.warning, info: r.info },
        firedRules: r.fired_rules, bytes: r.bytes, command: r.command, timings: r.timings,
        ruleSetDigest: r.rule_set_digest, origin: r.origin, snapshotSha256: r.snapshot_sha256,
        rules: r.rules, facts: r.facts, report: r.report, reportText: r.report_text,
        snapshot: r.snapshot.toString('base64'),
      },
      prevDigest: r.prev_digest, digest: r.digest,
    };
    return gzipSync(JSON.stringify(doc));
  }

  /** Checks the file's own digests; the run joins this store's chain as a new record that names its origin. */
  importRun(file: Buffer): { id: string } {
    let doc: { format?: unknown; version?: unknown; exportedAt?: unknown; run?: Record<string, unknown>; prevDigest?: unknown; digest?: unknown };
    try {
      doc = JSON.parse(gunzipSync(file).toString('utf8')) as typeof doc;
    } catch (e) {
      throw new HistoryError(`not a procdx history export (expected gzipped JSON): ${(e as Error).message}`);
    }
    if (doc.format !== EXPORT_FORMAT) throw new HistoryError('not a procdx history export (format is not procdx-history-export)');
    if (doc.version !== EXPORT_VERSION) throw new HistoryError(`procdx history export version ${String(doc.version)} is not supported (this procdx reads version ${EXPORT_VERSION})`);
    const run = doc.run;
    const str = (k: string): string => {
      const v = run?.[k];
      if (typeof v !== 'string') throw new HistoryError(`procdx history export: run.${k} is missing or not a string`);
      return v;
    };
    const strOrNull = (k: string): string | null => (run?.[k] === null ? null : str(k));
    const num = (k: string): number => {
      const v = run?.[k];
      if (typeof v !== 'number') throw new HistoryError(`procdx history export: run.${k} is missing or not a number`);
      return v;
    };
    if (typeof doc.digest !== 'string' || typeof doc.prevDigest !== 'string') throw new HistoryError('procdx history export: digest or prevDigest is missing');
    const sev = run?.severities as { critical?: unknown; warning?: unknown; info?: unknown } | undefined;
    if (!sev || !isCount(sev.critical) || !isCount(sev.warning) || !isCount(sev.info)) throw new HistoryError('procdx history export: run.severities is missing or malformed');
    const snapshot = Buffer.from(str('snapshot'), 'base64');
    const snapshotSha = sha256Hex(snapshot);
    const row = {
      id: str('id'), time: str('time'), time_ms: num('timeMs'), host: strOrNull('host'), kernel: strOrNull('kernel'),
      procdx_version: str('procdxVersion'), exit_code: num('exitCode'),
      critical: sev.critical, warning: sev.warning, info: sev.info,
      fired_rules: str('firedRules'), bytes: num('bytes'), command: str('command'), timings: str('timings'),
      rule_set_digest: str('ruleSetDigest'), origin: strOrNull('origin'), snapshot_sha256: str('snapshotSha256'),
      rules: str('rules'), facts: str('facts'), report: str('report'), report_text: str('reportText'),
    };
    if (snapshotSha !== row.snapshot_sha256) throw new HistoryError(`procdx history export of run ${row.id}: the snapshot does not match its digest (the file was altered)`);
    if (linkDigest(doc.prevDigest, runFields(row, snapshotSha)) !== doc.digest) {
      throw new HistoryError(`procdx history export of run ${row.id}: its content does not match its digest (the file was altered)`);
    }
    const exists = this.guard('read', () => this.db.prepare('SELECT 1 FROM runs WHERE id = ?').get(row.id));
    if (exists) throw new HistoryError(`run ${row.id} is already in ${this.path}`);
    const origin: RunOrigin = {
      digest: doc.digest, prevDigest: doc.prevDigest,
      exportedAt: typeof doc.exportedAt === 'string' ? doc.exportedAt : '',
      importedAt: new Date().toISOString(),
      origin: row.origin === null ? null : (JSON.parse(row.origin) as RunOrigin),
    };
    const { id } = this.insertRun({ ...row, origin: JSON.stringify(origin), snapshot });
    return { id };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** SQLite's error codes in the words a person needs: which file, what happened, what it means. */
function translate(e: unknown, path: string, busyTimeoutMs: number, what: string): Error {
  if (e instanceof HistoryError) return e;
  if (!sqlite || !(e instanceof sqlite.SqliteError)) {
    return new HistoryError(`cannot ${what} the history store ${path}: ${(e as Error)?.message ?? String(e)}`);
  }
  const code = e.code;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return new HistoryError(lockedMessage(path, busyTimeoutMs));
  if (code === 'SQLITE_NOTADB') return new HistoryError(`${path} is not a procdx history database (not an SQLite file)`);
  if (code.startsWith('SQLITE_CORRUPT')) return new HistoryError(`${path} is corrupt (${e.message}); move it aside to start a new history`);
  if (code === 'SQLITE_FULL' || (code === 'SQLITE_IOERR_WRITE' && /full/i.test(e.message))) return new HistoryError(`cannot ${what} the history store ${path}: the disk is full`);
  if (code.startsWith('SQLITE_READONLY')) return new HistoryError(`cannot ${what} the history store ${path}: it is read-only (${e.message})`);
  if (code.startsWith('SQLITE_CANTOPEN')) return new HistoryError(`cannot open the history store ${path} (${e.message})`);
  if (code.startsWith('SQLITE_IOERR')) return new HistoryError(`cannot ${what} the history store ${path}: I/O error (${e.message})`);
  if (code.startsWith('SQLITE_PERM') || code.startsWith('SQLITE_AUTH')) return new HistoryError(`cannot ${what} the history store ${path}: permission denied`);
  return new HistoryError(`cannot ${what} the history store ${path}: ${e.message} (${code})`);
}

/**
 * mkdir -p with mode 0700, one component at a time: Node 20's mkdirSync(..., { recursive: true })
 * never returns for a path under /proc, and procdx must not hang on a mistyped --store.
 */
function makeDirs(dir: string): void {
  const parent = dirname(dir);
  if (parent !== dir && !existsSync(parent)) makeDirs(parent);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}
