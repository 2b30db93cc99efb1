/**
 * npm run bench: procdx on synthetic seed-like trees of 1,000, 10,000 and 50,000 tasks, and on this
 * host's live /proc with 5,000 extra real threads, against ps -eLo and a plain reader of the same
 * files. Each measurement runs in a fresh process, three times; the medians are printed.
 * Options: --sizes 1000,10000  --threads 5000  --rounds 3
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSyntheticTree } from '../test/fixtures/trees/proc-tree.js';
import { scratchDir } from '../test/support/scratch.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const sizes = (args.get('sizes') ?? '1000,10000,50000').split(',').map(Number);
const liveThreads = Number(args.get('threads') ?? 5000);
const rounds = Number(args.get('rounds') ?? 3);

interface Once {
  tasks: number;
  findings: number;
  blockedReads: number;
  collectMs: number;
  factsMs: number;
  rulesMs: number;
  totalMs: number;
  maxRssMb: number;
}

function diagnoseOnce(root: string, statIntervalMs: number): Once {
  const run = spawnSync(process.execPath, [join(here, 'diagnose-once.js'), root, String(statIntervalMs)], { encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL' });
  if (run.status !== 0) throw new Error(`diagnose-once ${root} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Once;
}

/** Wall time of a command in ms (a separate process, as a user would run it). */
function wall(command: string, argv: string[]): number {
  const started = performance.now();
  const run = spawnSync(command, argv, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
  if (run.status === null) throw new Error(`${command} timed out`);
  return performance.now() - started;
}

function median<T>(items: T[], key: (t: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)]!;
}

const ms = (n: number): string => `${n.toFixed(0)} ms`.padStart(9);
const row = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(22) : c.padStart(10))).join(' ');

console.log(`procdx bench: node ${process.version}, ${rounds} rounds, medians\n`);
console.log(row(['tree', 'tasks', 'write', 'collect', 'facts', 'rules', 'total', 'peak RSS']));
for (const size of sizes) {
  const scratch = scratchDir(`bench-${size}`);
  try {
    const t = performance.now();
    const manifest = writeSyntheticTree(scratch.dir, { tasks: size, seed: 7 });
    const writeMs = performance.now() - t;
    const runs = Array.from({ length: rounds }, () => diagnoseOnce(scratch.dir, 0));
    const m = median(runs, (r) => r.totalMs);
    const peak = Math.max(...runs.map((r) => r.maxRssMb));
    console.log(row([`synthetic ${size}`, String(manifest.taskCount), ms(writeMs), ms(m.collectMs), ms(m.factsMs), ms(m.rulesMs), ms(m.totalMs), `${peak.toFixed(0)} MB`]));
  } finally {
    scratch.remove();
  }
}

// The live host, with extra real threads.
const build = mkdtempSync(join(tmpdir(), 'procdx-bench-'));
const bin = join(build, 'threads');
const gcc = spawnSync('gcc', ['-O2', '-pthread', '-o', bin, join(repo, 'bench', 'threads.c')], { encoding: 'utf8' });
if (gcc.status !== 0) {
  console.log(`\nlive: skipped, gcc could not build bench/threads.c: ${gcc.stderr || gcc.error?.message}`);
  process.exit(0);
}
const holder = spawn(bin, [String(liveThreads), '300'], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  holder.stdout.once('data', () => resolve());
  holder.once('exit', (code) => reject(new Error(`threads helper exited ${code}`)));
});
try {
  // --no-store: the bench measures the diagnosis (ps records nothing either) and leaves the host's history alone.
  const cli = [join(repo, 'bin', 'procdx.js'), 'diagnose', '--format', 'json', '--no-store'];
  const samples = Array.from({ length: rounds }, () => ({
    procdx: wall(process.execPath, cli),
    inner: diagnoseOnce('/proc', 0),
    ps: wall('ps', ['-eLo', 'pid,tid,stat,wchan:32,comm']),
    floor: wall(process.execPath, [join(here, 'floor-reader.js'), '/proc']),
  }));
  const procdx = median(samples.map((s) => s.procdx), (x) => x);
  const ps = median(samples.map((s) => s.ps), (x) => x);
  const floor = median(samples.map((s) => s.floor), (x) => x);
  const inner = median(samples.map((s) => s.inner), (r) => r.totalMs);
  console.log(`\nlive /proc with ${liveThreads} extra threads: ${inner.tasks} tasks`);
  console.log(row(['', 'wall', 'vs ps', 'vs floor']));
  console.log(row(['procdx diagnose (CLI)*', ms(procdx), `${(procdx / ps).toFixed(2)}x`, `${(procdx / floor).toFixed(2)}x`]));
  console.log(row(['ps -eLo ...', ms(ps), '1.00x', `${(ps / floor).toFixed(2)}x`]));
  console.log(row(['plain reader (floor)', ms(floor), `${(floor / ps).toFixed(2)}x`, '1.00x']));
  console.log('* the whole command as a user runs it: node start-up, rule loading, and two /proc/stat samples at least 250 ms apart');
  console.log(
    `procdx inside (no CPU sampling interval): collect ${inner.collectMs.toFixed(0)} ms, facts ${inner.factsMs.toFixed(0)} ms, rules ${inner.rulesMs.toFixed(0)} ms, peak RSS ${inner.maxRssMb.toFixed(0)} MB`,
  );
} finally {
  holder.stdin.end();
  holder.kill('SIGKILL');
  rmSync(build, { recursive: true, force: true });
}
