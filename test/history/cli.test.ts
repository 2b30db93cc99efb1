import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/report/report.js';
import { runCli } from '../e2e/run-cli.js';
import { writeHealthyTree } from '../fixtures/trees/healthy-tree.js';
import { writeSeedTree } from '../fixtures/trees/seed-tree.js';
import { scratchDir } from '../support/scratch.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-history-'));
const store = join(tmp, 'state', 'history.db');
const env = { PROCDX_STORE: store };
const seed = scratchDir('history-seed');
const healthy = scratchDir('history-healthy');
after(() => {
  rmSync(tmp, { recursive: true, force: true });
  seed.remove();
  healthy.remove();
});

let seedRun: { id: string; text: string };
let healthyId: string;

function recordedId(stderr: string): string {
  const m = /^procdx: recorded as run (\S+) in /m.exec(stderr);
  assert.ok(m, `no "recorded as run" line in: ${stderr}`);
  return m[1]!;
}

before(async () => {
  writeSeedTree(seed.dir, { era: '2.6' });
  writeHealthyTree(healthy.dir);
  const a = await runCli(['diagnose', '--proc-root', seed.dir], env);
  assert.equal(a.code, 2, a.stderr);
  seedRun = { id: recordedId(a.stderr), text: a.stdout };
  const b = await runCli(['diagnose', '--proc-root', healthy.dir], env);
  assert.equal(b.code, 0, b.stderr);
  healthyId = recordedId(b.stderr);
});

describe('procdx history', () => {
  it('diagnose records each run and prints its id; list shows them newest first', async () => {
    const r = await runCli(['history', 'list', '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as { id: string; host: string; severities: { critical: number } }[];
    assert.deepEqual(runs.map((x) => x.id), [healthyId, seedRun.id]);
    assert.equal(runs[1]!.severities.critical, 3);
    const filtered = JSON.parse((await runCli(['history', 'list', '--json', '--rule', 'mmap-lock-proc-readers'], env)).stdout) as { id: string }[];
    assert.deepEqual(filtered.map((x) => x.id), [seedRun.id]);
  });

  it('show prints the report as it was printed', async () => {
    const r = await runCli(['history', 'show', seedRun.id.slice(0, 10)], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, seedRun.text);
  });

  it('replay with the stored rules gives the stored findings byte for byte, and its exit code', async () => {
    const stored = JSON.parse((await runCli(['history', 'show', seedRun.id, '--json'], env)).stdout) as Report;
    const r = await runCli(['history', 'replay', seedRun.id, '--format', 'json'], env);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(JSON.stringify((JSON.parse(r.stdout) as Report).findings), JSON.stringify(stored.findings));
  });

  it('a run in zh-CN replays in zh-CN, byte for byte, whatever the locale of the replay', async () => {
    const zh = await runCli(['diagnose', '--proc-root', seed.dir, '--format', 'json', '--lang', 'zh-CN'], env);
    const id = recordedId(zh.stderr);
    const r = await runCli(['history', 'replay', id, '--format', 'json'], { ...env, LANG: 'C' });
    assert.equal(r.stderr, '');
    const replayed = JSON.parse(r.stdout) as Report;
    assert.equal(replayed.lang, 'zh-CN');
    assert.equal(JSON.stringify(replayed.findings), JSON.stringify((JSON.parse(zh.stdout) as Report).findings));
  });

  it('a live run replays to the same findings', async () => {
    const live = await runCli(['diagnose', '--format', 'json'], env);
    const id = recordedId(live.stderr);
    const r = await runCli(['history', 'replay', id, '--format', 'json'], env);
    assert.equal(r.stderr, '');
    assert.equal(JSON.stringify((JSON.parse(r.stdout) as Report).findings), JSON.stringify((JSON.parse(live.stdout) as Report).findings));
  });

  it('replay --rules DIR shows what other rules conclude', async () => {
    const site = mkdtempSync(join(tmp, 'site-'));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(site, 'off.yaml'), 'id: zombies-under-one-parent\noverride: true\nenabled: false\n');
    const r = await runCli(['history', 'replay', seedRun.id, '--format', 'json', '--rules', site], env);
    const findings = (JSON.parse(r.stdout) as Report).findings.map((f) => f.rule);
    assert.ok(!findings.includes('zombies-under-one-parent'));
    assert.ok(findings.includes('mmap-lock-proc-readers'));
  });

  it('diff names the findings that appeared and resolved, and the facts that moved', async () => {
    const r = await runCli(['history', 'diff', seedRun.id, healthyId, '--json'], env);
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { appeared: unknown[]; resolved: { id: string }[]; factsMoved: { fact: string }[] };
    assert.deepEqual(d.appeared, []);
    assert.ok(d.resolved.some((f) => f.id === 'mmap-lock-proc-readers@pid:16653'));
    assert.ok(d.factsMoved.some((m) => m.fact === 'tasks.threads.D'));
  });

  it('export then import into another history keeps the run', async () => {
    const file = join(tmp, 'run.export');
    const e = await runCli(['history', 'export', seedRun.id, '-o', file], env);
    assert.equal(e.code, 0, e.stderr);
    const other = { PROCDX_STORE: join(tmp, 'other', 'history.db') };
    const i = await runCli(['history', 'import', file], other);
    assert.equal(i.code, 0, i.stderr);
    const shown = await runCli(['history', 'show', 'last'], other);
    assert.equal(shown.stdout, seedRun.text);
    assert.equal((await runCli(['history', 'verify'], other)).code, 0);
  });

  it('verify passes, and still passes after prune', async () => {
    const v = await runCli(['history', 'verify'], env);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^ok: \d+ records, chain intact/);
    const p = await runCli(['history', 'prune', '--keep', '1'], env);
    assert.equal(p.code, 0, p.stderr);
    const after = await runCli(['history', 'verify'], env);
    assert.equal(after.code, 0, after.stdout);
  });

  it('a store that cannot be written never loses the diagnosis', async () => {
    const r = await runCli(['diagnose', '--proc-root', seed.dir, '--store', '/proc/procdx-cannot-write-here/history.db'], {});
    assert.equal(r.code, 2, 'the exit code is the findings\'');
    assert.match(r.stdout, /^procdx \d/);
    assert.match(r.stderr, /^procdx: the diagnosis above was not recorded in \/proc\/procdx-cannot-write-here\/history\.db: /m);
  });

  it('a file that is not a history database is a clear error, exit 3', async () => {
    const r = await runCli(['history', 'list'], { PROCDX_STORE: join(seed.dir, 'meminfo') });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^procdx: .*meminfo/);
  });
});
