/**
 * Every report format on the seed outage (2.6 kernel), against golden files in
 * test/fixtures/golden/. When a change to the rules or the formats is intended, rewrite them with
 *
 *   npm run build && UPDATE_GOLDEN=1 node --test dist/test/e2e/formats.test.js
 *
 * and read the diff before committing it. The tree is given as a relative path (the test runs in
 * its directory), so its location does not show; only Prometheus' run duration and timestamp are
 * normalised (checked first for plausibility, then replaced).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, closeSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { describeSubject } from '../../src/findings/finding.js';
import type { Report } from '../../src/report/report.js';
import { compileSchema } from '../../src/schemas.js';
import { writeSeedTree } from '../fixtures/trees/seed-tree.js';
import { fixturesDir, repoRoot } from '../support/paths.js';
import { loadExpositionParser, PARSER_MISSING } from '../support/prometheus-text.js';
import { scratchDir } from '../support/scratch.js';
import { missing, which } from '../support/tools.js';
import { runCli, type CliResult } from './run-cli.js';

const FORMATS = ['text', 'json', 'markdown', 'prometheus'] as const;
type Format = (typeof FORMATS)[number];
const EXTENSION: Record<Format, string> = { text: 'txt', json: 'json', markdown: 'md', prometheus: 'prom' };
const GOLDEN_DIR = join(fixturesDir, 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';
const SMALL_TREE = join(repoRoot, 'test', 'fixtures', 'conformance', 'procfs-fixtures', 'proc');
const ANSI = '\u001b[';
/** Drops SGR colour sequences. */
const uncolour = (s: string): string => s.split(/\u001b\[[0-9;]*m/).join(''); // eslint-disable-line no-control-regex

let seed: string;
let removeSeed = (): void => {};
let work: { dir: string; remove: () => void };
const runs = {} as Record<Format, CliResult & { startedS: number; endedS: number }>;

const cwd = process.cwd();

before(async () => {
  const scratch = scratchDir('formats-seed');
  removeSeed = scratch.remove;
  writeSeedTree(scratch.dir, { era: '2.6' });
  // Reports name the tree as given ("proc-root ."), and text wraps its header by that name's
  // length: a relative path keeps the output the same wherever the scratch directory is.
  process.chdir(scratch.dir);
  seed = '.';
  work = scratchDir('formats-out');
  for (const format of FORMATS) {
    const startedS = Date.now() / 1000;
    const run = await runCli(['diagnose', '--proc-root', seed, '--format', format]);
    runs[format] = { ...run, startedS, endedS: Date.now() / 1000 };
  }
});
after(() => {
  process.chdir(cwd);
  removeSeed();
  work?.remove();
});

/** The output with what differs between runs replaced: Prometheus' two timing values. */
function normalise(format: Format, text: string): string {
  if (format !== 'prometheus') return text;
  return text
    .replace(/^procdx_run_duration_seconds \S+$/m, 'procdx_run_duration_seconds <duration>')
    .replace(/^procdx_last_run_timestamp_seconds \S+$/m, 'procdx_last_run_timestamp_seconds <timestamp>');
}

function golden(format: Format, actual: string): void {
  const file = join(GOLDEN_DIR, `seed-2.6.${EXTENSION[format]}`);
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  const how = 'if the change is intended, run `UPDATE_GOLDEN=1 node --test dist/test/e2e/formats.test.js` and review the diff';
  assert.ok(existsSync(file), `${relative(repoRoot, file)} is missing: ${how}`);
  assert.equal(actual, readFileSync(file, 'utf8'), `${format} output differs from ${relative(repoRoot, file)}; ${how}`);
}

describe('every format on the seed outage (2.6): golden files', () => {
  for (const format of FORMATS) {
    it(`${format}: exit 2, nothing on stderr, the golden output`, () => {
      assert.equal(runs[format].stderr, '');
      assert.equal(runs[format].code, 2);
      golden(format, normalise(format, runs[format].stdout));
    });
  }

  it('json matches schemas/report.schema.json', () => {
    const validate = compileSchema<Report>('report.schema.json');
    assert.ok(validate(JSON.parse(runs.json.stdout)), JSON.stringify(validate.errors?.slice(0, 3)));
  });
});

describe('prometheus on the seed outage, read by real parsers of the exposition format', () => {
  it('promtool check metrics: parses, and lints clean', (t) => {
    const promtool = which('promtool');
    if (!promtool) return t.skip(missing('promtool', 'prometheus'));
    const r = spawnSync(promtool, ['check', 'metrics'], { input: runs.prometheus.stdout, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout + r.stderr, '');
  });

  it('parse-prometheus-text-format: one gauge family per metric with help, no timestamps, no duplicate series, the findings of the JSON report', async (t) => {
    const parse = await loadExpositionParser();
    if (!parse) return t.skip(PARSER_MISSING);
    const families = parse(runs.prometheus.stdout);
    const report = JSON.parse(runs.json.stdout) as Report;
    assert.deepEqual(families.map((f) => f.name), [
      'procdx_info', 'procdx_finding', 'procdx_findings', 'procdx_rules', 'procdx_rules_not_evaluated', 'procdx_rule_not_evaluated',
      'procdx_files_unread', 'procdx_deadline_passed', 'procdx_run_duration_seconds', 'procdx_last_run_timestamp_seconds',
    ]);
    const seen = new Set<string>();
    for (const family of families) {
      assert.equal(family.type, 'GAUGE', family.name);
      assert.ok(family.help.length > 20, `${family.name} has help`);
      for (const sample of family.metrics) {
        assert.equal(sample.timestamp_ms, undefined, `${family.name}: the textfile collector refuses timestamps`);
        assert.ok(Number.isFinite(Number(sample.value)), `${family.name} ${sample.value}`);
        const key = `${family.name}${JSON.stringify(sample.labels ?? {})}`;
        assert.ok(!seen.has(key), `duplicate series ${key}`);
        seen.add(key);
      }
    }
    const byName = new Map(families.map((f) => [f.name, f]));
    const findings = byName.get('procdx_finding')!.metrics.map((m) => m.labels);
    const expected = report.findings.map((f) => ({ rule: f.rule, severity: f.severity, subject: describeSubject(f.subject) }));
    assert.deepEqual(findings, [...expected].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0)));
    assert.deepEqual(
      byName.get('procdx_findings')!.metrics.map((m) => [m.labels!['severity'], Number(m.value)]),
      [['critical', report.summary.critical], ['warning', report.summary.warning], ['info', report.summary.info]],
    );
    assert.equal(Number(byName.get('procdx_rules_not_evaluated')!.metrics[0]!.value), report.notEvaluated.length);
    assert.equal(Number(byName.get('procdx_files_unread')!.metrics[0]!.value), report.unread.reduce((n, u) => n + u.count, 0));
    assert.deepEqual(byName.get('procdx_info')!.metrics[0]!.labels, { hostname: 'xen-dom0-07', kernel: '2.6.32-279.el6.x86_64', version: report.procdx.version });
    const duration = Number(byName.get('procdx_run_duration_seconds')!.metrics[0]!.value);
    const { startedS, endedS } = runs.prometheus;
    assert.ok(duration > 0 && duration <= endedS - startedS + 0.002, `duration ${duration} within the run's ${endedS - startedS} s`);
    const finished = Number(byName.get('procdx_last_run_timestamp_seconds')!.metrics[0]!.value);
    assert.ok(finished >= startedS - 0.001 && finished <= endedS + 0.001, `timestamp ${finished} within the run [${startedS}, ${endedS}]`);
  });
});

describe('markdown on the seed outage, rendered by GitHub\'s renderer (cmark-gfm)', () => {
  it('a summary table with a row per finding, a section per finding, every command in a code block', (t) => {
    const cmark = which('cmark-gfm');
    if (!cmark) return t.skip(missing('cmark-gfm', 'cmark-gfm'));
    const r = spawnSync(cmark, ['-e', 'table', '-e', 'strikethrough', '-e', 'autolink'], { input: runs.markdown.stdout, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const html = r.stdout;
    const report = JSON.parse(runs.json.stdout) as Report;
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>/g)].length);
    assert.deepEqual(rows, Array(report.findings.length + 1).fill(4), 'a header row and one row of 4 cells per finding');
    assert.equal([...html.matchAll(/<h3>\[\d+\] (CRITICAL|WARNING|INFO): /g)].length, report.findings.length);
    const commands = report.findings.flatMap((f) => f.advice.filter((a) => a.command).map((a) => a.command!));
    const shBlocks = [...html.matchAll(/<pre><code class="language-sh">([\s\S]*?)<\/code><\/pre>/g)].map((m) => m[1]!.replace(/&quot;/g, '"').replace(/&gt;/g, '>').replace(/&lt;/g, '<').replace(/&amp;/g, '&'));
    assert.deepEqual(shBlocks.sort(), commands.map((c) => `${c}\n`).sort());
    assert.ok(!html.includes('<ol'), 'no text turned into an ordered list');
  });
});

describe('text: colour and width', () => {
  const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ PROCDX_STORE: 'none', ...extra });

  it('the default format is text, also when stdout is not a terminal (a pipe to less or grep)', async () => {
    const r = await runCli(['diagnose', '--proc-root', seed]);
    assert.equal(r.stdout, runs.text.stdout);
  });

  it('colour on a terminal; none with NO_COLOR, none with TERM=dumb, none when stdout is not a terminal', async () => {
    const args = ['diagnose', '--proc-root', SMALL_TREE];
    const plain = await runCli(args, env());
    assert.ok(!plain.stdout.includes(ANSI), 'not a terminal: no colour');
    const tty = await runCli(args, env(), { stdout: true });
    assert.ok(tty.stdout.includes(`${ANSI}1mprocdx`), 'a terminal: colour');
    assert.equal(uncolour(tty.stdout), plain.stdout, 'the same text under the colour');
    assert.equal((await runCli(args, env({ NO_COLOR: '1' }), { stdout: true })).stdout, plain.stdout, 'NO_COLOR=1 on a terminal');
    assert.equal((await runCli(args, env({ TERM: 'dumb' }), { stdout: true })).stdout, plain.stdout, 'TERM=dumb on a terminal');
    // no-color.org: NO_COLOR "present and not an empty string".
    assert.ok((await runCli(args, env({ NO_COLOR: '' }), { stdout: true })).stdout.includes(ANSI), 'an empty NO_COLOR does not count');
  });

  it('wraps to the terminal width; 80 columns when not a terminal', async () => {
    const args = ['diagnose', '--proc-root', SMALL_TREE];
    const width = (s: string) => Math.max(...s.split('\n').map((l) => uncolour(l).length));
    assert.ok(width((await runCli(args, env())).stdout) <= 80);
    const wide = width((await runCli(args, env({ NO_COLOR: '1' }), { stdout: true, columns: 132 })).stdout);
    assert.ok(wide > 80 && wide <= 132, `a 132-column terminal: widest line ${wide}`);
  });
});

describe('--output FILE', () => {
  for (const format of FORMATS) {
    it(`${format}: the report goes to the file, stdout stays empty, the exit code is the findings'`, async () => {
      const file = join(work.dir, `seed.${EXTENSION[format]}`);
      // A terminal stdout must not leak colour or its width into the file.
      const r = await runCli(['diagnose', '--proc-root', seed, '--format', format, '--output', file], { PROCDX_STORE: 'none' }, { stdout: true, columns: 200 });
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.equal(r.stderr, '');
      assert.equal(normalise(format, readFileSync(file, 'utf8')), normalise(format, runs[format].stdout));
    });
  }

  it('replaces the file by rename: a reader of the old file keeps all of it, and no temporary file is left', async () => {
    const dir = join(work.dir, 'textfile');
    mkdirSync(dir);
    const file = join(dir, 'procdx.prom');
    const old = '# HELP old_metric an old file\n# TYPE old_metric gauge\nold_metric 1\n'.repeat(50);
    writeFileSync(file, old);
    const before = statSync(file).ino;
    const fd = openSync(file, 'r');
    try {
      const r = await runCli(['diagnose', '--proc-root', SMALL_TREE, '--format', 'prometheus', '-o', file]);
      assert.equal(r.code, 0, r.stderr);
      assert.notEqual(statSync(file).ino, before, 'a new inode: renamed over, not rewritten in place');
      const buf = Buffer.alloc(old.length + 10);
      assert.equal(buf.toString('utf8', 0, readSync(fd, buf, 0, buf.length, 0)), old, 'the old file, whole, for whoever had it open');
    } finally {
      closeSync(fd);
    }
    assert.match(readFileSync(file, 'utf8'), /^# HELP procdx_info /);
    assert.deepEqual(readdirSync(dir), ['procdx.prom']);
    // 0644 less the umask, like any new file (systemd's default UMask=0022 gives 0644: node_exporter's user reads it).
    writeFileSync(join(work.dir, 'mode-reference'), '', { mode: 0o644 });
    assert.equal(statSync(file).mode & 0o777, statSync(join(work.dir, 'mode-reference')).mode & 0o777);
  });

  it('a file that cannot be written: exit 3, why on stderr, nothing on stdout, nothing left behind', async () => {
    const args = ['diagnose', '--proc-root', SMALL_TREE, '--format', 'prometheus', '--output'];
    const noDir = await runCli([...args, join(work.dir, 'no-such-dir', 'procdx.prom')]);
    assert.equal(noDir.code, 3);
    assert.equal(noDir.stdout, '');
    assert.equal(noDir.stderr, `procdx: --output ${join(work.dir, 'no-such-dir', 'procdx.prom')}: cannot write: ENOENT (the directory does not exist)\n`);
    const parentFile = join(work.dir, 'a-file');
    writeFileSync(parentFile, '');
    const notDir = await runCli([...args, join(parentFile, 'procdx.prom')]);
    assert.equal(notDir.code, 3);
    assert.match(notDir.stderr, /cannot write: ENOTDIR \(a part of the path is not a directory\)\n$/);
    const dir = join(work.dir, 'is-a-dir');
    mkdirSync(join(dir, 'procdx.prom'), { recursive: true });
    const isDir = await runCli([...args, join(dir, 'procdx.prom')]);
    assert.equal(isDir.code, 3);
    assert.match(isDir.stderr, /cannot write: EISDIR \(it is a directory\)\n$/);
    assert.deepEqual(readdirSync(dir), ['procdx.prom'], 'the temporary file was removed');
  });
});
