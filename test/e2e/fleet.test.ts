/**
 * The fleet recipe of docs/fleet.md, tested: the systemd units and the cron line run procdx the
 * same way, that command writes a file node_exporter's textfile collector serves, and the alert
 * rules are valid, unit-tested, and fire on procdx's real output. Each check that needs an
 * external program (promtool, systemd-analyze, node_exporter) skips with the reason when it is
 * absent; .ci/run installs them.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import yaml from 'js-yaml';
import { writeFileAtomic } from '../../src/report/output.js';
import { fixturesDir, repoRoot } from '../support/paths.js';
import { scratchDir } from '../support/scratch.js';
import { missing, which } from '../support/tools.js';

const CONTRIB = join(repoRoot, 'contrib');
const ALERTS = join(CONTRIB, 'prometheus', 'procdx-alerts.yml');
const ALERT_TESTS = join(CONTRIB, 'prometheus', 'procdx-alerts.test.yml');
const SERVICE = join(CONTRIB, 'systemd', 'procdx.service');
const TIMER = join(CONTRIB, 'systemd', 'procdx.timer');
const CRON = join(CONTRIB, 'cron', 'procdx');
const PROCDX = join(repoRoot, 'bin', 'procdx.js');
const SMALL_TREE = join(repoRoot, 'test', 'fixtures', 'conformance', 'procfs-fixtures', 'proc');
const SEED_PROM = join(fixturesDir, 'golden', 'seed-2.6.prom');

const work = scratchDir('fleet');
after(() => work.remove());

/** The unit's command line, its variables expanded from its Environment= lines. */
function serviceCommand(): { argv: string[]; textfile: string } {
  const unit = readFileSync(SERVICE, 'utf8');
  const env = Object.fromEntries([...unit.matchAll(/^Environment=(\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
  const execs = [...unit.matchAll(/^ExecStart=(.+)$/gm)].map((m) => m[1]!);
  assert.equal(execs.length, 1);
  const argv = execs[0]!.split(/\s+/).map((word) => word.replace(/\$\{(\w+)\}/g, (_m, name: string) => env[name] ?? assert.fail(`no Environment= for ${name}`)));
  return { argv, textfile: env['PROCDX_TEXTFILE']! };
}

/** The command of the cron line (after the five time fields and the user). */
function cronCommand(): string[] {
  const lines = readFileSync(CRON, 'utf8').split('\n').filter((l) => /^[*0-9]/.test(l));
  assert.equal(lines.length, 1);
  const fields = lines[0]!.trim().split(/\s+/);
  assert.deepEqual(fields.slice(0, 6), ['*', '*', '*', '*', '*', 'root'], 'every minute, as root');
  return fields.slice(6);
}

/** The recipe's command, run here on a /proc-like tree, writing into `textfile`. */
function runRecipe(textfile: string): { status: number | null; stdout: string; stderr: string } {
  const [binary, ...args] = serviceCommand().argv;
  assert.equal(binary, '/usr/local/bin/procdx');
  const output = args.indexOf('--output');
  args[output + 1] = textfile;
  return spawnSync(process.execPath, [PROCDX, ...args, '--proc-root', SMALL_TREE], { encoding: 'utf8' });
}

describe('the systemd units and the cron line', () => {
  it('run the same command, into node_exporter\'s textfile directory, without the history store', () => {
    const { argv, textfile } = serviceCommand();
    assert.deepEqual(argv, ['/usr/local/bin/procdx', 'diagnose', '--format', 'prometheus', '--output', textfile, '--no-store']);
    assert.deepEqual(cronCommand(), ['procdx', ...argv.slice(1)]);
    assert.equal(textfile, '/var/lib/node_exporter/textfile_collector/procdx.prom');
    assert.match(readFileSync(SERVICE, 'utf8'), /^SuccessExitStatus=1 2$/m, 'findings (exit 1, 2) are not a failed unit');
    assert.match(readFileSync(SERVICE, 'utf8'), /^ReadWritePaths=.*-\/var\/lib\/node_exporter\/textfile_collector/m);
  });

  it('systemd-analyze verify finds nothing to say about them', (t) => {
    const analyze = which('systemd-analyze');
    if (!analyze) return t.skip(missing('systemd-analyze', 'systemd', false));
    // verify checks that ExecStart's program exists: point it at this checkout's procdx.
    const dir = join(work.dir, 'units');
    mkdirSync(dir);
    writeFileSync(join(dir, 'procdx.service'), readFileSync(SERVICE, 'utf8').replace('/usr/local/bin/procdx', PROCDX));
    writeFileSync(join(dir, 'procdx.timer'), readFileSync(TIMER, 'utf8'));
    const r = spawnSync(analyze, ['verify', join(dir, 'procdx.service'), join(dir, 'procdx.timer')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '', 'no warning (unknown keys, bad values)');
  });

  it('the command writes the textfile quietly: exit 0 on a tree with no findings, nothing on stdout or stderr, a valid file', (t) => {
    const dir = join(work.dir, 'textfile-quiet');
    mkdirSync(dir);
    const r = runRecipe(join(dir, 'procdx.prom'));
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '', 'cron mails anything printed; systemd logs it');
    const text = readFileSync(join(dir, 'procdx.prom'), 'utf8');
    assert.match(text, /^procdx_findings\{severity="critical"\} 0$/m);
    const promtool = which('promtool');
    if (!promtool) return t.skip(missing('promtool', 'prometheus'));
    const check = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  it('node_exporter\'s textfile collector serves the file, and the seed outage\'s findings with it', async (t) => {
    const exporter = which('prometheus-node-exporter') ?? which('node_exporter');
    if (!exporter) return t.skip(missing('node_exporter', 'prometheus-node-exporter'));
    const dir = join(work.dir, 'textfile-served');
    mkdirSync(dir);
    const textfile = join(dir, 'procdx.prom');
    assert.equal(runRecipe(textfile).status, 0);
    const port = await freePort();
    const child = spawn(exporter, ['--collector.disable-defaults', '--collector.textfile', `--collector.textfile.directory=${dir}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    try {
      const quiet = await scrape(port);
      assert.match(quiet, /^node_textfile_scrape_error 0$/m);
      assert.match(quiet, /^procdx_info\{hostname="[^"]*",kernel="[^"]*",version="[^"]+"\} 1$/m);
      assert.match(quiet, /^procdx_findings\{severity="critical"\} 0$/m);
      assert.ok(!quiet.includes('procdx_finding{'), 'no findings, no finding series');
      // The seed outage's output (the golden file, timing values filled in), swapped in the way procdx does.
      const seed = readFileSync(SEED_PROM, 'utf8').replace('<duration>', '1.234').replace('<timestamp>', String(Math.round(Date.now() / 1000)));
      writeFileAtomic(textfile, seed);
      const sick = await scrape(port);
      assert.match(sick, /^node_textfile_scrape_error 0$/m);
      const findings = (text: string) => text.split('\n').filter((l) => l.startsWith('procdx_finding{')).sort();
      assert.deepEqual(findings(sick), findings(seed));
      assert.ok(findings(sick).length >= 10, 'every finding of the seed outage');
    } finally {
      child.kill();
    }
  });
});

describe('the alert rules', () => {
  const promtool = which('promtool');

  it('promtool check rules', (t) => {
    if (!promtool) return t.skip(missing('promtool', 'prometheus'));
    const r = spawnSync(promtool, ['check', 'rules', ALERTS], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS: 5 rules found/);
  });

  it('promtool test rules contrib/prometheus/procdx-alerts.test.yml', (t) => {
    if (!promtool) return t.skip(missing('promtool', 'prometheus'));
    const r = spawnSync(promtool, ['test', 'rules', ALERT_TESTS], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /SUCCESS/);
  });

  it('on the seed outage\'s real output, every critical finding pages and every warning warns', (t) => {
    if (!promtool) return t.skip(missing('promtool', 'prometheus'));
    // Every sample of the golden file becomes a series of a host scraped every minute for 30 minutes.
    const series = readFileSync(SEED_PROM, 'utf8')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((line) => {
        const at = line.lastIndexOf(' ');
        const [name, labels] = line.slice(0, at).split(/\{(.*)\}$/);
        const values = name === 'procdx_last_run_timestamp_seconds' ? '0+60x30' : /^[0-9.]+$/.test(line.slice(at + 1)) ? `${line.slice(at + 1)}x30` : '1x30';
        return { series: `${name}{instance="seed:9100",job="node"${labels ? `,${labels}` : ''}}`, values };
      });
    const alerts = (severity: string) =>
      series
        .filter((s) => s.series.startsWith('procdx_finding{') && s.series.includes(`severity="${severity}"`))
        .map((s) => Object.fromEntries([...s.series.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]!, m[2]!])));
    // The alert as the rule file's annotations say it, with {{ $labels.X }} filled in.
    const rules = (yaml.load(readFileSync(ALERTS, 'utf8')) as { groups: { rules: { alert: string; annotations: Record<string, string> }[] }[] }).groups[0]!.rules;
    const expected = (alert: string, labels: Record<string, string>) => ({
      exp_labels: labels,
      exp_annotations: Object.fromEntries(
        Object.entries(rules.find((r) => r.alert === alert)!.annotations).map(([k, v]) => [k, v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, name: string) => labels[name] ?? '')]),
      ),
    });
    const critical = alerts('critical');
    const warning = alerts('warning');
    const counted = (severity: string) => Number(readFileSync(SEED_PROM, 'utf8').split('\n').find((l) => l.startsWith(`procdx_findings{severity="${severity}"} `))!.split(' ')[1]);
    assert.equal(critical.length, counted('critical'));
    assert.equal(warning.length, counted('warning'));
    assert.ok(critical.length >= 3 && warning.length >= 6, 'the seed outage has its 3 criticals and 6 warnings at least');
    const test = {
      rule_files: [ALERTS],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [...series, { series: 'up{instance="seed:9100",job="node"}', values: '1x30' }],
          alert_rule_test: [
            { eval_time: '3m', alertname: 'ProcdxCriticalFinding', exp_alerts: critical.map((labels) => expected('ProcdxCriticalFinding', labels)) },
            { eval_time: '16m', alertname: 'ProcdxWarningFinding', exp_alerts: warning.map((labels) => expected('ProcdxWarningFinding', labels)) },
            { eval_time: '20m', alertname: 'ProcdxStale', exp_alerts: [] },
            { eval_time: '20m', alertname: 'ProcdxAbsent', exp_alerts: [] },
            { eval_time: '20m', alertname: 'ProcdxIncomplete', exp_alerts: [] },
          ],
        },
      ],
    };
    // promtool reads YAML; JSON is YAML.
    const file = join(work.dir, 'seed-alerts.test.yml');
    writeFileSync(file, JSON.stringify(test, null, 2));
    const r = spawnSync(promtool, ['test', 'rules', file], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET /metrics, retrying for up to 10 s while the exporter starts. */
async function scrape(port: number): Promise<string> {
  const until = Date.now() + 10_000;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (res.ok) return await res.text();
      if (Date.now() > until) throw new Error(`node_exporter answered ${res.status}`);
    } catch (err) {
      if (Date.now() > until) throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
