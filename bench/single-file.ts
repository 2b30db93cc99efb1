/**
 * node dist/bench/single-file.js: the single-file build (dist/procdx.cjs, copied alone to an empty
 * folder) against the package's CLI (bin/procdx.js): file size, `--version`, `diagnose` on the seed
 * tree (6.x), and the start-up of the guard's helper process (node -e on the code the single file
 * embeds, or the package's guard-helper-main.js), which is started again after every blocked read. Each command runs in a fresh process; medians of --rounds runs (default 15).
 * Options: --rounds 15  --node /path/to/another/node (also times the single file under it)
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSeedTree } from '../test/fixtures/trees/seed-tree.js';
import { scratchDir } from '../test/support/scratch.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const rounds = Number(args.get('rounds') ?? 15);
const otherNode = args.get('node');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Wall time of one run in ms, the command's exit code checked. */
function timeOnce(node: string, argv: string[], codes: number[]): number {
  const started = performance.now();
  const run = spawnSync(node, argv, { encoding: 'utf8', env: { ...process.env, PROCDX_STORE: 'none' }, timeout: 120_000, killSignal: 'SIGKILL' });
  const ms = performance.now() - started;
  if (run.status === null || !codes.includes(run.status)) throw new Error(`${argv.join(' ')}: exit ${run.status}: ${run.stderr}`);
  return ms;
}

function timeRuns(node: string, argv: string[], codes: number[]): number {
  timeOnce(node, argv, codes); // warm the page cache
  return median(Array.from({ length: rounds }, () => timeOnce(node, argv, codes)));
}

/** Time from spawning the helper to its "ready" line, in ms. */
function helperReady(node: string, argv: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(node, argv, { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout.setEncoding('utf8');
    child.stdout.once('data', (chunk: string) => {
      const ms = performance.now() - started;
      child.kill('SIGKILL');
      if (chunk.startsWith('{"ready":true}')) resolve(ms);
      else reject(new Error(`unexpected first line from the helper: ${chunk}`));
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the helper exited (${code}) before it said it was ready`)));
  });
}

async function helperRuns(node: string, argv: string[]): Promise<number> {
  await helperReady(node, argv);
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await helperReady(node, argv));
  return median(times);
}

/**
 * The guard helper's code as the single file embeds it (the string literal after `guardHelper:`),
 * to start it as the single file does: node -e CODE -- ROOT.
 */
function embeddedHelper(file: string): string {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('guardHelper:') + 'guardHelper:'.length;
  const quote = text[at];
  if (quote !== '`' && quote !== '"' && quote !== "'") throw new Error('no embedded guard helper found in the single file');
  let end = at + 1;
  while (text[end] !== quote) end += text[end] === '\\' ? 2 : 1;
  return new Function(`return ${text.slice(at, end + 1)}`)() as string;
}

/** Bytes of the files under a path (links not followed). */
function bytesUnder(path: string): number {
  const s = lstatSync(path);
  return s.isDirectory() ? readdirSync(path).reduce((n, name) => n + bytesUnder(join(path, name)), 0) : s.size;
}

/** What an installed package needs beside node: its own files and its production dependencies (from the lockfile). */
function packageBytes(): { own: number; deps: number } {
  const own = ['bin', 'dist/src', 'rules', 'schemas', 'package.json'].reduce((n, p) => n + bytesUnder(join(repo, p)), 0);
  const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const deps = Object.entries(lock.packages)
    // Nested packages (a/node_modules/b) are counted with the package that holds them.
    .filter(([path, meta]) => path !== '' && !meta.dev && path.lastIndexOf('node_modules/') === 0 && existsSync(join(repo, path)))
    .reduce((n, [path]) => n + bytesUnder(realpathSync(join(repo, path))), 0);
  return { own, deps };
}

const folder = scratchDir('single-file');
const single = join(folder.dir, 'procdx');
copyFileSync(join(repo, 'dist', 'procdx.cjs'), single);
const cli = join(repo, 'bin', 'procdx.js');
const seed = scratchDir('bench-seed');
try {
  writeSeedTree(seed.dir, { era: '6.x' });
  const diagnose = ['diagnose', '--proc-root', seed.dir, '--format', 'json', '--no-store'];
  const rows: [string, string, string][] = [];
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  const node = process.execPath;
  const helper = embeddedHelper(single);
  const pkg = packageBytes();
  const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  rows.push(['size', `${(statSync(single).size / 1024).toFixed(0)} KiB, one file`, `${mib(pkg.own)} + ${mib(pkg.deps)} of node_modules`]);
  rows.push([`--version (node ${process.version})`, ms(timeRuns(node, [single, '--version'], [0])), ms(timeRuns(node, [cli, '--version'], [0]))]);
  rows.push([`diagnose seed 6.x (node ${process.version})`, ms(timeRuns(node, [single, ...diagnose], [2])), ms(timeRuns(node, [cli, ...diagnose], [2]))]);
  rows.push([
    `guard helper ready (node ${process.version})`,
    ms(await helperRuns(node, ['-e', helper, '--', '/proc'])),
    ms(await helperRuns(node, [join(repo, 'dist', 'src', 'snapshot', 'guard-helper-main.js'), '/proc'])),
  ]);
  if (otherNode) {
    const version = spawnSync(otherNode, ['--version'], { encoding: 'utf8' }).stdout.trim();
    rows.push([`--version (node ${version})`, ms(timeRuns(otherNode, [single, '--version'], [0])), '-']);
    rows.push([`diagnose seed 6.x (node ${version})`, ms(timeRuns(otherNode, [single, ...diagnose], [2])), '-']);
    rows.push([`guard helper ready (node ${version})`, ms(await helperRuns(otherNode, ['-e', helper, '--', '/proc'])), '-']);
  }
  const widths = [0, 1, 2].map((i) => Math.max(...[['', 'single file', 'package CLI'], ...rows].map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  process.stdout.write(`medians of ${rounds} runs\n${line(['', 'single file', 'package CLI'])}\n${rows.map((r) => `${line(r)}\n`).join('')}`);
} finally {
  seed.remove();
  folder.remove();
}
