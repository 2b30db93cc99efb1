import { readFileSync, writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { diagnoseSnapshot, loadRuleBase, type Diagnosis, type RuleBase } from '../diagnose.js';
import { BASE_LANG } from '../rules/localize.js';
import type { Report } from '../report/report.js';
import { exitCodeFor } from '../report/report.js';
import { formatJson } from '../report/json.js';
import { formatText } from '../report/text.js';
import { unpackSnapshotArchive } from '../snapshot/archive.js';
import { runRecord, storedRuleBase } from './record.js';
import { HistoryError, HistoryStore, HistoryUnavailableError, loadSqlite, type ListFilter, type StoredRun } from './store.js';

export interface HistoryIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Where runs are kept: --store, else $PROCDX_STORE ("none" turns recording off), else the default path. */
export function storePath(flag: string | false | undefined, env: NodeJS.ProcessEnv): string | null {
  if (flag === false) return null;
  if (typeof flag === 'string') return flag;
  const fromEnv = env['PROCDX_STORE'];
  if (fromEnv === 'none') return null;
  return fromEnv && fromEnv !== '' ? fromEnv : HistoryStore.defaultPath(env);
}

/**
 * Records a diagnosis. A store that fails (full disk, read-only, locked, corrupt) never loses the
 * diagnosis: the report is already printed, the failure goes to stderr, the exit code stays the
 * findings'. Returns the run id, or null.
 */
export async function recordRun(path: string, d: Diagnosis, base: RuleBase, command: string[], time: string, io: HistoryIo): Promise<string | null> {
  let store: HistoryStore | undefined;
  try {
    loadSqlite();
  } catch (err) {
    if (!(err instanceof HistoryUnavailableError)) throw err;
    io.stderr.write(`procdx: history not recorded: ${err.reason}; --no-store or PROCDX_STORE=none skips recording, and this note\n`);
    return null;
  }
  try {
    const record = await runRecord(d, base, command, time);
    store = HistoryStore.open(path);
    const { id } = store.append(record);
    io.stderr.write(`procdx: recorded as run ${id} in ${path}\n`);
    return id;
  } catch (err) {
    const why = err instanceof HistoryError ? err.message : (err as Error).message;
    io.stderr.write(`procdx: the diagnosis above was not recorded in ${path}: ${why} (use --store PATH or --no-store)\n`);
    return null;
  } finally {
    store?.close();
  }
}

/** `procdx history ...`: list, show, replay, diff, export, import, verify, prune. */
export function addHistoryCommands(program: Command, io: HistoryIo, setExit: (code: number) => void): void {
  const history = program.command('history').description('the audit history: every diagnosis kept, replayable, comparable and tamper-evident');
  const storeOption = () => new Option('--store <path>', 'the history database (default: /var/lib/procdx/history.db as root, ~/.local/state/procdx/history.db otherwise)');
  const open = (flag: string | undefined): HistoryStore => {
    const path = storePath(flag, io.env);
    if (path === null) throw new HistoryError('PROCDX_STORE is "none": there is no history to read; give --store PATH');
    return HistoryStore.open(path);
  };
  const withStore = <T>(flag: string | undefined, work: (store: HistoryStore) => T): T => {
    const store = open(flag);
    try {
      return work(store);
    } finally {
      store.close();
    }
  };

  history
    .command('list')
    .description('list recorded runs, newest first')
    .addOption(storeOption())
    .option('--host <name>', 'only runs of this host')
    .option('--since <time>', 'only runs at or after this time (ISO 8601, e.g. 2026-11-26T10:00)')
    .option('--until <time>', 'only runs before this time')
    .option('--rule <id>', 'only runs where this rule fired')
    .addOption(new Option('--severity <level>', 'only runs with a finding of this severity').choices(['critical', 'warning', 'info']))
    .option('--limit <n>', 'at most this many runs', (v) => Number(v))
    .option('--json', 'print JSON')
    .action((opts: ListFilter & { store?: string; json?: boolean }) => {
      const filter: ListFilter = {};
      for (const key of ['host', 'since', 'until', 'rule', 'severity', 'limit'] as const) if (opts[key] !== undefined) (filter as Record<string, unknown>)[key] = opts[key];
      const runs = withStore(opts.store, (s) => s.list(filter));
      if (opts.json) {
        io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
        return;
      }
      const rows = runs.map((r) => [r.id, r.time.replace('T', ' ').slice(0, 19), r.host ?? '?', `${r.severities.critical}/${r.severities.warning}/${r.severities.info}`, r.firedRules.join(',') || '-']);
      const head = ['run', 'time (UTC)', 'host', 'crit/warn/info', 'rules that fired'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (cells: string[]) => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]!) : c)).join('  ');
      io.stdout.write(`${line(head)}\n${rows.map((r) => `${line(r)}\n`).join('')}`);
      if (rows.length === 0) io.stdout.write('(no runs)\n');
    });

  history
    .command('show')
    .description('print a run\'s report as it was printed')
    .argument('<run>', 'a run id, a unique prefix of one, or "last"')
    .addOption(storeOption())
    .option('--json', 'print the JSON report instead of the text one')
    .action((ref: string, opts: { store?: string; json?: boolean }) => {
      const run = withStore(opts.store, (s) => s.get(ref));
      io.stdout.write(opts.json ? run.report : run.reportText);
    });

  history
    .command('replay')
    .description('re-run a stored snapshot with the stored rules (the findings must be identical), or with today\'s')
    .argument('<run>', 'a run id, a unique prefix of one, or "last"')
    .addOption(storeOption())
    .option('--rules <which>', '"current" for today\'s rules, or a rule set directory (repeatable) added to the built-in ones', (v: string, prev: string[] = []) => [...prev, v])
    .addOption(new Option('--format <format>', 'report format').choices(['text', 'json']).default('text'))
    .action(async (ref: string, opts: { store?: string; rules?: string[]; format: 'text' | 'json' }) => {
      const run = withStore(opts.store, (s) => s.get(ref));
      const { report } = await replay(run, opts.rules);
      io.stdout.write(opts.format === 'json' ? formatJson(report) : formatText(report, { width: 80, color: false }));
      if (!opts.rules) {
        const same = JSON.stringify(report.findings) === JSON.stringify((JSON.parse(run.report) as Report).findings);
        if (!same) io.stderr.write(`procdx: replay of ${run.id} with its stored rules gave different findings: please report this\n`);
      }
      setExit(exitCodeFor(report));
    });

  history
    .command('diff')
    .description('what changed between two runs: findings that appeared, resolved or changed severity, and the facts that moved')
    .argument('<old>', 'the earlier run')
    .argument('<new>', 'the later run')
    .addOption(storeOption())
    .option('--json', 'print JSON')
    .action((a: string, b: string, opts: { store?: string; json?: boolean }) => {
      const [older, newer] = withStore(opts.store, (s) => [s.get(a), s.get(b)] as const);
      const d = diffRuns(older, newer);
      if (opts.json) {
        io.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
        return;
      }
      io.stdout.write(`${older.id} (${older.time}) -> ${newer.id} (${newer.time})\n`);
      for (const f of d.appeared) io.stdout.write(`+ ${f.severity.toUpperCase()} ${f.id}: ${f.title}\n`);
      for (const f of d.resolved) io.stdout.write(`- ${f.severity.toUpperCase()} ${f.id}: ${f.title}\n`);
      for (const f of d.severityChanged) io.stdout.write(`~ ${f.id}: ${f.from} -> ${f.to}\n`);
      if (d.appeared.length + d.resolved.length + d.severityChanged.length === 0) io.stdout.write('same findings\n');
      if (d.factsMoved.length > 0) {
        io.stdout.write('facts that moved:\n');
        for (const m of d.factsMoved) io.stdout.write(`  ${m.fact}: ${JSON.stringify(m.from)} -> ${JSON.stringify(m.to)}\n`);
      }
    });

  history
    .command('export')
    .description('write one run as a self-contained file, for a ticket or another machine')
    .argument('<run>', 'a run id, a unique prefix of one, or "last"')
    .addOption(storeOption())
    .option('-o, --output <file>', 'the file to write (default: procdx-run-ID.json.gz here)')
    .action((ref: string, opts: { store?: string; output?: string }) => {
      const { id, bytes } = withStore(opts.store, (s) => ({ id: s.get(ref).id, bytes: s.exportRun(ref) }));
      const file = opts.output ?? `procdx-run-${id}.json.gz`;
      writeFileSync(file, bytes, { mode: 0o600 });
      io.stdout.write(`${file}\n`);
    });

  history
    .command('import')
    .description('add a run exported elsewhere to this history')
    .argument('<file>', 'a file written by procdx history export')
    .addOption(storeOption())
    .action((file: string, opts: { store?: string }) => {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (err) {
        throw new HistoryError(`${file}: cannot read: ${(err as Error).message}`);
      }
      const { id } = withStore(opts.store, (s) => s.importRun(bytes));
      io.stdout.write(`${id}\n`);
    });

  history
    .command('verify')
    .description('walk the hash chain and report the first broken link (an edited, deleted or reordered record)')
    .addOption(storeOption())
    .addHelpText('after', '\nExit codes: 0 the chain is intact, 1 it is broken, 3 the history could not be read.')
    .action((opts: { store?: string }) => {
      const result = withStore(opts.store, (s) => s.verify());
      if (result.ok) {
        io.stdout.write(`ok: ${result.records} records, chain intact${result.pruned > 0 ? ` (${result.pruned} pruned, recorded)` : ''}\n`);
      } else {
        io.stdout.write(`BROKEN after ${result.records} good records: run ${result.firstBroken.id}: ${result.firstBroken.reason}\n`);
        setExit(1);
      }
    });

  history
    .command('prune')
    .description('remove old runs; the pruning is recorded, so verify still passes')
    .addOption(storeOption())
    .option('--keep-days <n>', 'keep the runs of the last N days', (v) => Number(v))
    .option('--keep <n>', 'keep the newest N runs', (v) => Number(v))
    .action((opts: { store?: string; keepDays?: number; keep?: number }) => {
      if (opts.keepDays === undefined && opts.keep === undefined) throw new HistoryError('say what to keep: --keep-days N or --keep N');
      const options: { keepDays?: number; keep?: number } = {};
      if (opts.keepDays !== undefined) options.keepDays = opts.keepDays;
      if (opts.keep !== undefined) options.keep = opts.keep;
      const { removed } = withStore(opts.store, (s) => s.prune(options));
      io.stdout.write(`removed ${removed} runs\n`);
    });
}

/** A stored run diagnosed again: with its stored rules, today's (`current`), or today's plus DIRs. */
async function replay(run: StoredRun, rules: string[] | undefined): Promise<Diagnosis> {
  const { snapshot } = await unpackSnapshotArchive(run.snapshot, `run ${run.id}`);
  // In the language of the run, so that its findings come back byte for byte.
  const lang = (JSON.parse(run.report) as Report).lang ?? BASE_LANG;
  if (rules && rules.length > 0) {
    const base = loadRuleBase(rules.filter((r) => r !== 'current'));
    return diagnoseSnapshot(snapshot, base, lang);
  }
  const stored = storedRuleBase(run.rules);
  try {
    return await diagnoseSnapshot(snapshot, stored.base, lang);
  } finally {
    stored.dispose();
  }
}

interface FindingRef {
  id: string;
  severity: string;
  title: string;
}

export interface RunDiff {
  appeared: FindingRef[];
  resolved: FindingRef[];
  severityChanged: { id: string; from: string; to: string }[];
  factsMoved: { fact: string; from: unknown; to: unknown }[];
}

/** Findings that appeared, resolved or changed severity between two runs, and the host facts whose values moved. */
export function diffRuns(older: StoredRun, newer: StoredRun): RunDiff {
  const a = (JSON.parse(older.report) as Report).findings;
  const b = (JSON.parse(newer.report) as Report).findings;
  const byIdA = new Map(a.map((f) => [f.id, f]));
  const byIdB = new Map(b.map((f) => [f.id, f]));
  const ref = (f: Report['findings'][number]): FindingRef => ({ id: f.id, severity: f.severity, title: f.title });
  const factsA = (JSON.parse(older.facts) as { facts: Record<string, { value?: unknown }> }).facts;
  const factsB = (JSON.parse(newer.facts) as { facts: Record<string, { value?: unknown }> }).facts;
  const factsMoved = [...new Set([...Object.keys(factsA), ...Object.keys(factsB)])]
    .sort()
    .filter((name) => JSON.stringify(factsA[name]?.value) !== JSON.stringify(factsB[name]?.value))
    .map((fact) => ({ fact, from: factsA[fact]?.value ?? null, to: factsB[fact]?.value ?? null }));
  return {
    appeared: b.filter((f) => !byIdA.has(f.id)).map(ref),
    resolved: a.filter((f) => !byIdB.has(f.id)).map(ref),
    severityChanged: b.filter((f) => byIdA.has(f.id) && byIdA.get(f.id)!.severity !== f.severity).map((f) => ({ id: f.id, from: byIdA.get(f.id)!.severity, to: f.severity })),
    factsMoved,
  };
}
