import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../../src/report/report.js';
import { runCli } from '../e2e/run-cli.js';
import { writeSeedTree, type SeedManifest } from '../fixtures/trees/seed-tree.js';
import { repoRoot } from '../support/paths.js';
import { scratchDir } from '../support/scratch.js';
import { startVforkD, vforkUnavailable } from '../support/vfork-d.js';

// The single-file build (dist/procdx.cjs, made by npm run build) copied alone into an empty folder
// with no node_modules or package.json anywhere above it, as on a host that never ran npm, and run
// with `node` alone. PROCDX_SINGLE_FILE_NODE=/path/to/node (e.g. a Node 18) runs it under that
// node as well.

const built = join(repoRoot, 'dist', 'procdx.cjs');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const nodes = [process.execPath, ...(process.env['PROCDX_SINGLE_FILE_NODE'] ? [process.env['PROCDX_SINGLE_FILE_NODE']] : [])];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The single file in its own process (killed if it overruns), with a bare environment: no NODE_PATH, no PROCDX_STORE. */
function runSingle(file: string, args: string[], options: { node?: string; killAfterMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(options.node ?? process.execPath, [file, ...args], {
      cwd: dirname(file),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dirname(file), ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.killAfterMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** Nothing in the report depends on timing except how long a blocked read was waited for. */
function normalise(json: string): string {
  return json.replace(/given up after \d+ ms/g, 'given up after N ms').replace(/"afterMs": \d+/g, '"afterMs": 0');
}

/** Every folder from `dir` up to / that holds a node_modules or a package.json. */
function packagesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    for (const name of ['node_modules', 'package.json']) if (existsSync(join(d, name))) found.push(join(d, name));
    if (dirname(d) === d) return found;
  }
}

const scratch = scratchDir('single-file');
const seed = scratchDir('single-file-seed');
let single: string;
let manifest: SeedManifest;

before(() => {
  assert.ok(existsSync(built), `${built} is missing: npm run build makes it`);
  single = join(scratch.dir, 'alone', 'procdx');
  mkdirSync(dirname(single));
  copyFileSync(built, single);
  manifest = writeSeedTree(seed.dir, { era: '6.x' });
});
after(() => {
  scratch.remove();
  seed.remove();
});

describe('the single-file build, alone in an empty folder', () => {
  it('is the only file there, with no node_modules or package.json above it to lend it anything', () => {
    assert.deepEqual(readdirSync(dirname(single)), ['procdx']);
    assert.deepEqual(packagesAbove(dirname(single)), []);
    assert.match(readFileSync(single, 'utf8').slice(0, 20), /^#!\/usr\/bin\/env node\n/);
  });

  for (const node of nodes) {
    const on = node === process.execPath ? '' : ` (under ${node})`;

    it(`prints its version${on}`, async () => {
      const run = await runSingle(single, ['--version'], { node });
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, `${version}\n`);
    });

    it(`gives the same JSON report on the seed tree as the package's CLI${on}`, async () => {
      const dev = await runCli(['diagnose', '--proc-root', seed.dir, '--format', 'json']);
      const run = await runSingle(single, ['diagnose', '--proc-root', seed.dir, '--format', 'json', '--no-store'], { node });
      assert.equal(run.stderr, '');
      assert.equal(run.code, dev.code);
      assert.equal(run.code, 2);
      assert.equal(normalise(run.stdout), normalise(dev.stdout));
      const report = JSON.parse(run.stdout) as Report;
      // The finding that needs the stack signatures (embedded too) and the built-in rule files named as on disk.
      assert.ok(report.findings.some((f) => f.id === `mmap-lock-proc-readers@pid:${manifest.targetPid}`));
    });
  }

  it('lists the same rules as the package, from the built-in files rules/...', async () => {
    const dev = await runCli(['rules', 'list']);
    const run = await runSingle(single, ['rules', 'list']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, dev.stdout);
    assert.match(run.stdout, /\bbuiltin +rules\/tasks\/d-task-pileup\.yaml\n/);
  });

  it('prints the same checklist and rule as the package', async () => {
    for (const args of [['rules', 'checklist'], ['rules', 'show', 'd-task-pileup', '--json']]) {
      const dev = await runCli(args);
      const run = await runSingle(single, args);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout, dev.stdout, args.join(' '));
    }
  });

  it('says the built-in rule tests are not in it when asked to run them', async () => {
    const run = await runSingle(single, ['rules', 'test']);
    assert.equal(run.code, 3);
    assert.equal(run.stderr, "procdx: no rule test files (*.test.yaml) in any rule set (the built-in rules' tests are not part of the single-file build)\n");
  });
});

describe('the single-file build without the native SQLite module', () => {
  const store = () => join(scratch.dir, 'state', 'history.db');

  it('diagnoses, says once on stderr that the history is off and why, and keeps the findings\' exit code', async () => {
    const run = await runSingle(single, ['diagnose', '--proc-root', seed.dir, '--format', 'json', '--store', store()]);
    assert.equal(run.code, 2);
    JSON.parse(run.stdout);
    const lines = run.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, run.stderr);
    assert.equal(
      lines[0],
      `procdx: history not recorded: the native SQLite module is not available in this single-file build; to keep a history, install better-sqlite3 for this Node beside it (cd ${dirname(single)} && npm install better-sqlite3) or install the procdx package; --no-store or PROCDX_STORE=none skips recording, and this note`,
    );
    assert.equal(existsSync(dirname(store())), false, 'no store (nor its folder) is created');
  });

  it('says nothing of it with --no-store or PROCDX_STORE=none', async () => {
    for (const [args, env] of [[['--no-store'], {}], [[], { PROCDX_STORE: 'none' }]] as const) {
      const run = await runSingle(single, ['diagnose', '--proc-root', seed.dir, '--format', 'json', ...args], { env });
      assert.equal(run.code, 2);
      assert.equal(run.stderr, '');
    }
  });

  it('exits 3 from procdx history with a message that says what to do', async () => {
    const run = await runSingle(single, ['history', 'list', '--store', store()]);
    assert.equal(run.code, 3);
    assert.match(run.stderr, /^procdx: the history is not available: the native SQLite module is not available in this single-file build; to keep a history, install better-sqlite3 .*\n$/);
    assert.equal(run.stdout, '');
  });
});

describe('the single-file build with better-sqlite3 in a node_modules beside it', () => {
  it('records runs, lists them and replays one with the same findings', async () => {
    const folder = join(scratch.dir, 'with-sqlite');
    mkdirSync(join(folder, 'node_modules'), { recursive: true });
    const file = join(folder, 'procdx');
    copyFileSync(built, file);
    symlinkSync(join(repoRoot, 'node_modules', 'better-sqlite3'), join(folder, 'node_modules', 'better-sqlite3'));
    const store = join(folder, 'history.db');
    const run = await runSingle(file, ['diagnose', '--proc-root', seed.dir, '--format', 'json', '--store', store]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^procdx: recorded as run \S+ in /);
    const list = await runSingle(file, ['history', 'list', '--store', store, '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal((JSON.parse(list.stdout) as unknown[]).length, 1);
    const replay = await runSingle(file, ['history', 'replay', 'last', '--store', store, '--format', 'json']);
    assert.equal(replay.stderr, '');
    assert.equal(replay.code, 2);
    assert.deepEqual((JSON.parse(replay.stdout) as Report).findings, (JSON.parse(run.stdout) as Report).findings);
  });
});

describe('the guard\'s helper process, started by the single file', () => {
  it('gives up a cmdline read that blocks forever (a named pipe with no writer) and still diagnoses the rest', async () => {
    const jammed = manifest.topPids.xenstored;
    const path = join(seed.dir, String(jammed), 'cmdline');
    rmSync(path, { force: true });
    spawnSync('mkfifo', [path]);
    const run = await runSingle(single, ['diagnose', '--proc-root', seed.dir, '--format', 'json', '--no-store', '--deadline', '8'], { killAfterMs: 60_000 });
    assert.ok(run.ms < 8000 + 3000, `took ${Math.round(run.ms)} ms`);
    assert.equal(run.code, 2, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(
      report.findings.filter((f) => f.rule === 'proc-read-blocked').map((f) => (f.subject.kind === 'process' ? f.subject.pid : 0)),
      [jammed],
    );
    assert.ok(report.findings.some((f) => f.id === 'd-task-pileup@host'));
  });

  it('reads this host\'s live /proc: diagnose exits 0, 1 or 2 and the helper answered every read', async () => {
    const run = await runSingle(single, ['diagnose', '--format', 'json', '--no-store'], { killAfterMs: 60_000 });
    assert.ok(run.code === 0 || run.code === 1 || run.code === 2, `exit ${run.code}: ${run.stderr}`);
    const report = JSON.parse(run.stdout) as Report;
    // A helper that failed to start or died would leave its reads "skipped: the reader process ...".
    assert.deepEqual(report.unread.filter((u) => u.reason.includes('reader process')), []);
  });

  const noStacks = process.getuid?.() !== 0 ? 'reading kernel stacks needs root' : vforkUnavailable();
  it('reads the kernel stack of a real D task on this host, as root, and classifies it', { skip: noStacks ?? undefined }, async () => {
    const task = await startVforkD();
    try {
      const run = await runSingle(single, ['facts', '--json'], { killAfterMs: 60_000 });
      assert.equal(run.code, 0, run.stderr);
      const facts = (JSON.parse(run.stdout) as { facts: Record<string, { value?: number }> }).facts;
      assert.ok((facts['tasks.waitClass.vfork']?.value ?? 0) >= 1, `tasks.waitClass.vfork: ${JSON.stringify(facts['tasks.waitClass.vfork'])}`);
    } finally {
      await task.release();
    }
  });
});
