// Schema migrations of the history store. Each entry takes the schema from version i to i + 1; a
// migration is never edited once released, only followed by a new one.

/** PRAGMA application_id of a procdx history database ("PDXH"), so a foreign SQLite file is told apart. */
export const APPLICATION_ID = 0x50445848;

export const MIGRATIONS: readonly string[] = [
  // 1: runs, prune markers, and the chain's sequence counter.
  `
  CREATE TABLE procdx_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  INSERT INTO procdx_meta (key, value) VALUES ('next_seq', '1');
  -- seq orders the chain (runs and prune markers share it). Small columns come first and the
  -- snapshot last, so that listing never walks a snapshot's overflow pages.
  CREATE TABLE runs (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    host TEXT,
    kernel TEXT,
    procdx_version TEXT NOT NULL,
    exit_code INTEGER NOT NULL,
    critical INTEGER NOT NULL,
    warning INTEGER NOT NULL,
    info INTEGER NOT NULL,
    fired_rules TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    prev_digest TEXT NOT NULL,
    digest TEXT NOT NULL,
    command TEXT NOT NULL,
    timings TEXT NOT NULL,
    rule_set_digest TEXT NOT NULL,
    origin TEXT,
    snapshot_sha256 TEXT NOT NULL,
    rules TEXT NOT NULL,
    facts TEXT NOT NULL,
    report TEXT NOT NULL,
    report_text TEXT NOT NULL,
    snapshot BLOB NOT NULL
  );
  CREATE INDEX runs_time ON runs (time_ms, seq);
  CREATE INDEX runs_host ON runs (host, time_ms);
  -- A prune marker is a link of the chain; the newest one is the anchor that verify starts from.
  CREATE TABLE prunes (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time TEXT NOT NULL,
    how TEXT NOT NULL,
    removed INTEGER NOT NULL,
    total_pruned INTEGER NOT NULL,
    through_seq INTEGER NOT NULL,
    through_id TEXT NOT NULL,
    through_digest TEXT NOT NULL,
    prev_digest TEXT NOT NULL,
    digest TEXT NOT NULL
  );
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
