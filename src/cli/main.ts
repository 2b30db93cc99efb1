import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { diagnoseSnapshot, diagnoseSource, loadRuleBase, type Diagnosis, type RuleBase } from '../diagnose.js';
import { factsToJson } from '../facts/serialize.js';
import { exitCodeFor, EXIT, type Report } from '../report/report.js';
import { formatJson } from '../report/json.js';
import { formatMarkdown } from '../report/markdown.js';
import { OutputError, writeFileAtomic } from '../report/output.js';
import { formatPrometheus, type RunTiming } from '../report/prometheus.js';
import { addHistoryCommands, recordRun, storePath } from '../history/cli.js';
import { HistoryError } from '../history/store.js';
import { ExplainError, formatExplain, type ExplainOptions } from '../report/explain.js';
import { formatChecklist } from '../report/checklist.js';
import { lintRules } from '../rules/lint.js';
import { BASE_LANG, chooseLang, ruleLanguages } from '../rules/localize.js';
import { formatRule } from '../report/rule-show.js';
import { formatText } from '../report/text.js';
import { RuleLoadError, ruleSetSources } from '../rules/load.js';
import { ruleTestCommand, ruleValidateCommand } from '../rules/rule-test-command.js';
import { SignatureCatalogError } from '../signatures/catalog.js';
import { classifyPasted, formatClassified } from '../signatures/classify-command.js';
import { readSnapshotArchive, SnapshotArchiveError, writeSnapshotArchive } from '../snapshot/archive.js';
import { collect, DEFAULT_COLLECT, type CollectOptions } from '../snapshot/collect.js';
import { DirSource } from '../snapshot/dir-source.js';
import { compileSchema } from '../schemas.js';
import { VERSION } from '../version.js';

const FORMATS = ['text', 'json', 'markdown', 'prometheus'] as const;
type Format = (typeof FORMATS)[number];

/** One report in the chosen format. Text is for people: colour and width only where stdout is a terminal. */
function render(report: Report, format: Format, options: { width: number; color: boolean; timing: RunTiming }): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'markdown':
      return formatMarkdown(report);
    case 'prometheus':
      return formatPrometheus(report, options.timing);
    case 'text':
      return formatText(report, { width: options.width, color: options.color });
  }
}

/** Live runs sample /proc/stat twice at least this far apart, for CPU utilisation. */
const LIVE_STAT_INTERVAL_MS = 250;

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

interface CollectFlags {
  procRoot?: string;
  kernelLog?: string;
  snapshot?: string;
  deadline: number;
  verbose?: boolean;
}

/** A problem the user can fix; printed as `procdx: message` and exit 3. */
class UsageError extends Error {}

/** Runs the CLI and returns the exit code: 0 nothing above info, 1 warning, 2 critical, 3 could not run. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('procdx')
    .description('Diagnose a sick Linux host from /proc: findings with their evidence and advice.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run procdx --help for usage)');

  const procRoot = () => new Option('--proc-root <dir>', 'read a directory laid out like /proc instead of the live /proc');
  const deadline = () =>
    new Option('--deadline <seconds>', 'stop reading after this long and report what was read')
      .default(DEFAULT_COLLECT.deadlineMs / 1000)
      .argParser(positiveSeconds);
  const verbose = () => new Option('--verbose', 'report progress on stderr even when it is not a terminal');
  const snapshotFile = () =>
    new Option('--snapshot <file>', 'read a snapshot written by procdx capture instead of /proc').conflicts(['procRoot', 'kernelLog']);
  const kernelLog = () =>
    new Option('--kernel-log <file>', 'read the kernel log from this file (/dev/kmsg records or dmesg output) instead of /dev/kmsg; a --proc-root tree has none without it');
  const rulesDirs = () =>
    new Option('--rules <dir>', 'add a rule set directory (repeatable; later sets override earlier ones by rule id)')
      .argParser((dir: string, prev: string[] = []) => [...prev, dir]);

  program
    .command('diagnose')
    .description('collect /proc, compute facts, run the rules and print the findings')
    .addOption(procRoot())
    .addOption(kernelLog())
    .addOption(rulesDirs())
    .addOption(
      new Option('--format <format>', 'report format: text for people (the default, also in pipes), json for scripts, markdown for tickets, prometheus for node_exporter\'s textfile collector')
        .choices(FORMATS)
        .default('text'),
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout, atomically (a temporary file in the same directory, then rename)')
    .addOption(snapshotFile())
    .addOption(deadline())
    .addOption(verbose())
    .option('--store <path>', 'record the run in this history database (default: /var/lib/procdx/history.db as root, ~/.local/state/procdx/history.db otherwise; PROCDX_STORE=none turns it off)')
    .option('--no-store', 'do not record the run')
    .option('--lang <tag>', 'language of titles, messages and advice (en, zh-CN); default: from LC_ALL, LC_MESSAGES or LANG')
    .addHelpText('after', '\nExit codes: 0 nothing above info, 1 warning, 2 critical, 3 could not run (also when --output cannot be written).')
    .action(async (opts: CollectFlags & { rules?: string[]; format: Format; output?: string; store?: string | false; lang?: string }) => {
      const startedMs = performance.now();
      const rules = ruleBaseOnce(opts.rules);
      const started = new Date().toISOString();
      const langFor = (base: RuleBase): string => {
        const { lang, note } = chooseLang(opts.lang, io.env, ruleLanguages(base.rules));
        if (note) io.stderr.write(`procdx: ${note}\n`);
        return lang;
      };
      const result = await diagnosis(opts, rules, io, langFor);
      const base = rules();
      const { report } = result;
      const toFile = opts.output !== undefined;
      const rendered = render(report, opts.format, {
        width: !toFile && io.stdout.isTTY ? (io.stdout.columns ?? 80) : 80,
        color: !toFile && useColor(io),
        timing: { durationSeconds: (performance.now() - startedMs) / 1000, finishedAtSeconds: Date.now() / 1000 },
      });
      if (toFile) writeFileAtomic(opts.output!, rendered);
      else io.stdout.write(rendered);
      exitCode = exitCodeFor(report);
      const store = storePath(opts.store, io.env);
      if (store !== null) await recordRun(store, result, base, ['procdx', ...argv.slice(2)], started, io);
    });

  program
    .command('facts')
    .description('print every fact computed from /proc, with its sources')
    .addOption(procRoot())
    .addOption(kernelLog())
    .addOption(rulesDirs())
    .addOption(snapshotFile())
    .addOption(deadline())
    .addOption(verbose())
    .option('--json', 'print JSON (schemas/facts.schema.json)')
    .action(async (opts: CollectFlags & { rules?: string[]; json?: boolean }) => {
      const { facts } = await diagnosis(opts, ruleBaseOnce(opts.rules), io, () => BASE_LANG);
      const json = factsToJson(facts);
      if (opts.json) {
        io.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
        return;
      }
      for (const [name, fact] of Object.entries(json['facts'] as Record<string, { value?: unknown; unit?: string; unknown?: string }>)) {
        const value = fact.unknown !== undefined ? `unknown (${fact.unknown})` : `${JSON.stringify(fact.value)}${fact.unit ? ` ${fact.unit}` : ''}`;
        io.stdout.write(`${name} = ${value}\n`);
      }
      const entities = json['entities'] as Record<string, unknown[]>;
      io.stdout.write(`entities: ${Object.entries(entities).map(([k, v]) => `${v.length} ${k}`).join(', ')} (--json shows them)\n`);
    });

  program
    .command('capture')
    .description('write the raw /proc reads to one .tar.gz snapshot, for diagnose --snapshot elsewhere')
    .addOption(procRoot())
    .addOption(kernelLog())
    .option('-o, --output <file>', 'where to write the snapshot (default: procdx-HOST-TIME.tar.gz here)')
    .option('--include-cmdline', 'keep command-line arguments (by default only program names are kept: arguments can hold secrets)')
    .addOption(deadline())
    .addOption(verbose())
    .action(async (opts: CollectFlags & { output?: string; includeCmdline?: boolean }) => {
      const { source, options } = collectFor(opts, io);
      const snapshot = await collect(source, options);
      clearProgress(io);
      const text = (path: string): string | null => {
        const read = snapshot.files.get(path);
        return read?.ok ? read.text.trim() : null;
      };
      const capturedAt = new Date().toISOString();
      const hostname = text('sys/kernel/hostname');
      const file = opts.output ?? `procdx-${hostname ?? 'host'}-${capturedAt.replace(/[:.]/g, '').slice(0, 15)}Z.tar.gz`;
      const manifest = await writeSnapshotArchive(snapshot, { procdx: VERSION, capturedAt, hostname, kernel: text('sys/kernel/osrelease'), includeCmdline: Boolean(opts.includeCmdline) }, file);
      io.stdout.write(`${file}\n`);
      if (io.stderr.isTTY || opts.verbose) {
        const files = Object.keys(manifest.files).length;
        io.stderr.write(`procdx: wrote ${file}: ${files} reads recorded; command lines ${manifest.cmdline}${snapshot.run.deadlinePassed ? '; the deadline passed before everything was read' : ''}\n`);
      }
    });

  const rules = program.command('rules').description('inspect the rule sets');
  rules
    .command('list')
    .description('list the effective rules and where each came from')
    .addOption(rulesDirs())
    .option('--json', 'print JSON')
    .action((opts: { rules?: string[]; json?: boolean }) => {
      const base = ruleBase(opts.rules);
      const rows = base.rules.map((r) => ({
        id: r.id,
        severity: r.severity,
        for_each: r.for_each ?? 'host',
        origin: r.overriddenBy.length > 0 ? `${r.origin}, overridden` : r.origin,
        file: [r.file, ...r.overriddenBy].join(' + '),
      }));
      if (opts.json) {
        io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      const widths = (['id', 'severity', 'for_each', 'origin'] as const).map((k) => Math.max(k.length, ...rows.map((r) => r[k].length)));
      const line = (cells: string[]) => cells.map((c, i) => (i < widths.length ? c.padEnd(widths[i]!) : c)).join('  ').trimEnd();
      io.stdout.write(`${line(['id', 'severity', 'for_each', 'origin', 'file'])}\n`);
      for (const r of rows) io.stdout.write(`${line([r.id, r.severity, r.for_each, r.origin, r.file])}\n`);
    });

  rules
    .command('test')
    .description('run rule tests (*.test.yaml): those of every rule set, or the test files and directories given')
    .argument('[paths...]', 'rule test files, or directories searched for *.test.yaml')
    .addOption(rulesDirs())
    .addHelpText('after', '\nExit codes: 0 every case passed, 1 a case failed, 3 a rule set or test file could not be loaded.')
    .action(async (paths: string[], opts: { rules?: string[] }) => {
      exitCode = await ruleTestCommand(paths, ruleSetSources(opts.rules ?? []), ruleBase(opts.rules), io);
    });
  rules
    .command('validate')
    .description('check rule files, rule directories and rule test files without running anything')
    .argument('<paths...>', 'rule files (*.yaml), rule directories, rule test files (*.test.yaml)')
    .addOption(rulesDirs())
    .addHelpText('after', '\nExit codes: 0 valid, 3 not valid (each problem is printed as file:line:column: message).')
    .action((paths: string[], opts: { rules?: string[] }) => {
      exitCode = ruleValidateCommand(paths, opts.rules ?? [], ruleBase, io);
    });

  rules
    .command('lint')
    .description('list what loads but reads badly: texts missing in a language (zh-CN...), params nothing uses')
    .addOption(rulesDirs())
    .option('--lang <tag>', 'check this language only (default: every language some rule offers)')
    .addHelpText('after', '\nExit codes: 0 nothing to say, 1 notes printed, 3 the rules do not load (see procdx rules validate).')
    .action((opts: { rules?: string[]; lang?: string }) => {
      const notes = lintRules(ruleBase(opts.rules).rules, opts.lang ? [opts.lang] : undefined);
      for (const n of notes) io.stdout.write(`${n.file}: ${n.rule}: ${n.message}\n`);
      io.stderr.write(`${notes.length} note${notes.length === 1 ? '' : 's'}\n`);
      exitCode = notes.length > 0 ? 1 : 0;
    });

  addHistoryCommands(program, io, (code) => (exitCode = code));

  program
    .command('stack')
    .description('work with kernel stacks')
    .command('classify')
    .description('name the wait of each stack in /proc/PID/stack form or in kernel hung-task reports (paste a trace from a ticket)')
    .argument('[file]', 'a file of stacks, or - for stdin', '-')
    .addOption(rulesDirs())
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { rules?: string[]; json?: boolean }) => {
      const base = ruleBase(opts.rules);
      let text: string;
      try {
        text = file === '-' ? await readAll(process.stdin) : readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
      }
      const stacks = classifyPasted(text, base.catalog);
      io.stdout.write(opts.json ? `${JSON.stringify(stacks, null, 2)}\n` : formatClassified(stacks));
    });

  rules
    .command('show')
    .description('show one effective rule: where it came from, what it tests, what it says and advises')
    .argument('<id>', 'the rule id (procdx rules list shows them)')
    .addOption(rulesDirs())
    .option('--json', 'print the effective rule as JSON')
    .action((id: string, opts: { rules?: string[]; json?: boolean }) => {
      const base = ruleBase(opts.rules);
      const rule = base.rules.find((r) => r.id === id);
      if (!rule) {
        const near = base.rules.filter((r) => r.id.includes(id)).map((r) => r.id);
        throw new UsageError(`no enabled rule '${id}'${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}; procdx rules list shows them all`);
      }
      io.stdout.write(opts.json ? `${JSON.stringify(rule, null, 2)}\n` : formatRule(rule, { width: textWidth(io), color: useColor(io) }));
    });

  rules
    .command('checklist')
    .description('print the checklist as Markdown: every enabled rule by area, what it checks and why, and the wait classes (docs/checklist.md is this for the built-in rules)')
    .addOption(rulesDirs())
    .action((opts: { rules?: string[] }) => {
      const base = ruleBase(opts.rules);
      io.stdout.write(formatChecklist(base.rules, base.catalog));
    });

  program
    .command('explain')
    .description('explain a JSON report: every condition that held, the values, the /proc files they came from, and what each finding builds on')
    .argument('[report]', 'a report written by procdx diagnose --format json, or - for stdin', '-')
    .option('--finding <id>', 'only this finding (its id, or a unique prefix of it)')
    .action(async (file: string, opts: { finding?: string }) => {
      const report = readReport(file, file === '-' ? await readAll(process.stdin) : undefined);
      const options: ExplainOptions = { width: textWidth(io), color: useColor(io) };
      if (opts.finding !== undefined) options.finding = opts.finding;
      io.stdout.write(formatExplain(report, options));
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? EXIT.ok : EXIT.couldNotRun;
    }
    if (err instanceof RuleLoadError || err instanceof SignatureCatalogError) {
      io.stderr.write(`procdx: the rules could not be loaded; nothing was run. Fix these and try again:\n${err.errors.map((e) => `  ${e}`).join('\n')}\n`);
      return EXIT.couldNotRun;
    }
    if (err instanceof UsageError || err instanceof SnapshotArchiveError || err instanceof ExplainError || err instanceof HistoryError || err instanceof OutputError) {
      io.stderr.write(`procdx: ${err.message}\n`);
      return EXIT.couldNotRun;
    }
    io.stderr.write(`procdx: internal error, please report it with this output: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.couldNotRun;
  }
}

/**
 * The rule sets, loaded on first use and kept: diagnose first asks while collection waits for its
 * second /proc/stat sample. A missing --rules directory is refused at once; a bad rule file is
 * reported when the rules are used (exit 3 all the same).
 */
function ruleBaseOnce(dirs: string[] | undefined): () => RuleBase {
  for (const dir of dirs ?? []) {
    if (!isDir(dir)) throw new UsageError(`--rules ${dir}: not a directory; give a directory of rule YAML files`);
  }
  let loaded: { base: RuleBase } | { error: unknown } | undefined;
  return () => {
    if (!loaded) {
      try {
        loaded = { base: loadRuleBase(dirs ?? []) };
      } catch (error) {
        loaded = { error };
      }
    }
    if ('error' in loaded) throw loaded.error;
    return loaded.base;
  };
}

function ruleBase(dirs: string[] | undefined): RuleBase {
  for (const dir of dirs ?? []) {
    if (!isDir(dir)) throw new UsageError(`--rules ${dir}: not a directory; give a directory of rule YAML files`);
  }
  return loadRuleBase(dirs ?? []);
}

/** Collects (live or --proc-root) or reads --snapshot, then computes facts and the report. */
async function diagnosis(flags: CollectFlags, rules: () => RuleBase, io: Io, langFor: (base: RuleBase) => string): Promise<Diagnosis> {
  if (flags.snapshot !== undefined) {
    const { snapshot, manifest } = await readSnapshotArchive(flags.snapshot);
    snapshot.source = `snapshot ${flags.snapshot} (${manifest.source} on ${manifest.hostname ?? 'unknown host'} at ${manifest.capturedAt})`;
    const base = rules();
    return diagnoseSnapshot(snapshot, base, langFor(base));
  }
  const { source, options } = collectFor(flags, io);
  const result = await diagnoseSource(source, rules, options, langFor);
  clearProgress(io);
  return result;
}

function collectFor(flags: CollectFlags, io: Io): { source: DirSource; options: CollectOptions } {
  const options: CollectOptions = { ...DEFAULT_COLLECT, deadlineMs: flags.deadline * 1000, statIntervalMs: LIVE_STAT_INTERVAL_MS };
  const progress = progressReporter(io, Boolean(flags.verbose));
  if (progress) options.progress = progress;
  if (flags.kernelLog !== undefined) {
    if (!isFile(flags.kernelLog)) throw new UsageError(`--kernel-log ${flags.kernelLog}: not a regular file; give a file of /dev/kmsg records or dmesg output (without --kernel-log, a live run reads /dev/kmsg itself)`);
    options.kernelLog = { kind: 'file', path: flags.kernelLog };
  }
  if (flags.procRoot !== undefined) {
    if (!isDir(flags.procRoot)) throw new UsageError(`--proc-root ${flags.procRoot}: not a directory; give a directory laid out like /proc`);
    return { source: new DirSource(flags.procRoot), options: { ...options, statIntervalMs: 0 } };
  }
  options.kernelLog ??= { kind: 'kmsg' };
  if (!isDir('/proc/self')) throw new UsageError('/proc is not mounted here; mount it (mount -t proc proc /proc) or use --proc-root DIR');
  return { source: new DirSource('/proc'), options };
}

/**
 * Progress on stderr: a line redrawn in place on a terminal; plain lines with --verbose elsewhere;
 * nothing otherwise, so that cron mail and pipelines stay clean.
 */
function progressReporter(io: Io, verbose: boolean): CollectOptions['progress'] {
  if (io.stderr.isTTY) {
    return (tasks, phase) => io.stderr.write(`\rprocdx: ${tasks} tasks read${phase === 'tasks' ? '' : `, reading ${phase}`}\x1b[K`);
  }
  if (verbose) {
    let lastPhase = '';
    return (tasks, phase) => {
      if (phase !== lastPhase) io.stderr.write(`procdx: ${tasks} tasks read, now ${phase}\n`);
      lastPhase = phase;
    };
  }
  return undefined;
}

function textWidth(io: Io): number {
  return io.stdout.isTTY ? (io.stdout.columns ?? 80) : 80;
}

/** A JSON report from a file (or given text), checked against schemas/report.schema.json. */
function readReport(file: string, given: string | undefined): Report {
  let text = given;
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`${file}: cannot read: ${(err as Error).message}`);
    }
  }
  const where = file === '-' ? 'standard input' : file;
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new UsageError(`${where}: not JSON; give a report written by procdx diagnose --format json`);
  }
  const validate = compileSchema<Report>('report.schema.json');
  if (!validate(report)) {
    const first = validate.errors?.[0];
    throw new UsageError(`${where}: not a procdx report (${first ? `${first.instancePath || 'top level'}: ${first.message}` : 'invalid'}); give a report written by procdx diagnose --format json`);
  }
  return report;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function clearProgress(io: Io): void {
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
}

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('give a number of seconds above 0, e.g. 5 or 0.5');
  return seconds;
}

function useColor(io: Io): boolean {
  return Boolean(io.stdout.isTTY) && !io.env['NO_COLOR'] && io.env['TERM'] !== 'dumb';
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
