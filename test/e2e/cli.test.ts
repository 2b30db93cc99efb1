import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { VERSION } from '../../src/version.js';
import { repoRoot } from '../support/paths.js';
import { runCli } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'procdx-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('CLI conventions', () => {
  it('--help lists the commands on stdout and exits 0', async () => {
    const r = await runCli(['--help']);
    assert.equal(r.code, 0);
    for (const command of ['diagnose', 'facts', 'rules']) assert.match(r.stdout, new RegExp(`\\b${command}\\b`));
  });

  it('diagnose --help documents the exit codes', async () => {
    const r = await runCli(['diagnose', '--help']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /Exit codes: 0 nothing above info, 1 warning, 2 critical, 3 could not run/);
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout.trim(), VERSION);
  });

  it('an unknown option is a usage error: exit 3, message on stderr, nothing on stdout', async () => {
    const r = await runCli(['diagnose', '--colour']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /unknown option '--colour'/);
  });

  it('a --proc-root that is not a directory: exit 3 with what to do', async () => {
    const r = await runCli(['diagnose', '--proc-root', join(tmp, 'missing')]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^procdx: --proc-root .*missing: not a directory; give a directory laid out like \/proc\n$/);
  });

  it('a broken rule file: exit 3, every problem listed with its file, no report', async () => {
    const dir = mkdtempSync(join(tmp, 'rules-'));
    writeFileSync(join(dir, 'bad.yaml'), 'id: bad\ntitle: [\n');
    const r = await runCli(['diagnose', '--rules', dir]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /the rules could not be loaded; nothing was run/);
    assert.match(r.stderr, /bad\.yaml:3:1: /);
  });

  it('rules list names each rule\'s origin', async () => {
    const r = await runCli(['rules', 'list', '--json']);
    assert.equal(r.code, 0);
    const rows = JSON.parse(r.stdout) as { id: string; origin: string; file: string }[];
    assert.ok(rows.length >= 7);
    assert.ok(rows.every((row) => row.origin === 'builtin' && row.file.startsWith('rules/')));
  });
});

describe('progress on stderr', () => {
  const tree = join(repoRoot, 'test', 'fixtures', 'conformance', 'procfs-fixtures', 'proc');

  it('on a terminal: a line redrawn in place, cleared before the report', async () => {
    const r = await runCli(['diagnose', '--proc-root', tree, '--no-store'], {}, { stderr: true });
    assert.match(r.stderr, /^\rprocdx: \d+ tasks read/);
    assert.ok(r.stderr.endsWith('\r\u001b[K'), JSON.stringify(r.stderr.slice(-20)));
  });

  it('not a terminal: nothing, unless --verbose', async () => {
    assert.equal((await runCli(['diagnose', '--proc-root', tree])).stderr, '');
    const verbose = await runCli(['diagnose', '--proc-root', tree, '--verbose']);
    assert.match(verbose.stderr, /^procdx: \d+ tasks read, now tasks\nprocdx: \d+ tasks read, now stacks\n$/);
  });
});

describe('the installed command', () => {
  it('bin/procdx.js runs diagnose on this host as a separate process, with no colour when not a TTY', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'procdx.js'), 'diagnose'], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PROCDX_STORE: 'none' } });
    assert.ok([0, 1, 2].includes(r.status ?? -1), `exit ${r.status}: ${r.stderr}`);
    assert.match(r.stdout, /^procdx \d+\.\d+\.\d+ - \/proc/);
    assert.ok(!r.stdout.includes("\u001b["), "no ANSI escapes");
    assert.equal(r.stderr, '');
  });

  it('a reader that closes the pipe early ends procdx quietly', () => {
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${join(repoRoot, 'bin', 'procdx.js')}" rules list | head -1`], { encoding: 'utf8' });
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^id +severity/);
    assert.equal(r.stderr, '');
  });

  it('facts --json is valid JSON on stdout', () => {
    const out = execFileSync(process.execPath, [join(repoRoot, 'bin', 'procdx.js'), 'facts', '--json'], { encoding: 'utf8' });
    const json = JSON.parse(out) as { facts: Record<string, unknown> };
    assert.ok('tasks.threads.total' in json.facts);
  });
});
