// Driver for test/lab/lab.sh, the lab that makes the kernel produce real D states (see
// test/lab/README.md). Everything here reads only /proc/PID/task/TID/stat, wchan and fd links:
// while a scenario is up, cmdline, environ, smaps*, numa_maps, pagemap and mem of the lab's target
// block their reader, and so do ps, pgrep, pidof and top -c.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './paths.js';

export const labScenarios = ['mmap-lock', 'vfork-d', 'freezer-d', 'fuse-read-d'] as const;
export type LabScenario = (typeof labScenarios)[number];

export const labScript = join(repoRoot, 'test', 'lab', 'lab.sh');

/** Settings passed to lab.sh as environment variables (see test/lab/README.md). */
export interface LabEnv {
  LAB_READERS?: number | string;
  LAB_FAULTERS?: number | string;
  LAB_FROZEN?: number | string;
  LAB_FUSE_READERS?: number | string;
  LAB_TTL?: number | string;
  LAB_RELEASE?: 'abort' | 'answer';
  LAB_ROOT?: string;
}

/** Safety net used unless the caller or the environment sets LAB_TTL: everything releases itself after 3 min. */
export const defaultLabTtlSeconds = 180;
/** Hard limits on one lab.sh run; past them lab.sh and its helpers are killed with SIGKILL. */
export const labUpTimeoutMs = 90_000;
export const labDownTimeoutMs = 120_000;

export interface LabRunOptions {
  /** Hard limit for this lab.sh run (default {@link labUpTimeoutMs} or {@link labDownTimeoutMs}). */
  timeoutMs?: number;
}

export interface LabTask {
  role: string;
  pid: number;
  tid: number;
  /** The state letter the kernel should show for this task while the scenario is up. */
  expect: string;
}

export interface LabFuse {
  server_pid: number;
  conn: number;
  abort: string;
  mountpoint: string;
  file: string;
}

interface LabManifestBase {
  kernel: string;
  ttl_s: number;
  state_dir: string;
  tasks: LabTask[];
}

export interface MmapLockManifest extends LabManifestBase {
  scenario: 'mmap-lock';
  target_pid: number;
  writer_tid: number;
  faulter_tids: number[];
  vma_control_tid: number;
  lock_holder_pid: number;
  readers: number[];
  reader_file: string;
  fuse_map_addr: string;
  fuse: LabFuse;
}

export interface VforkDManifest extends LabManifestBase {
  scenario: 'vfork-d';
  parent_pid: number;
  child_pid: number;
}

export interface FreezerDManifest extends LabManifestBase {
  scenario: 'freezer-d';
  cgroup: string;
  freezer_state: string;
  frozen_pids: number[];
  sleeper_pids: number[];
  spinner_pid: number;
  watchdog_pid: number;
}

export interface FuseReadDManifest extends LabManifestBase {
  scenario: 'fuse-read-d';
  readers: number[];
  direct_reader_pid: number;
  fuse: LabFuse;
}

/** What `lab.sh up` prints on stdout: every pid and tid the scenario made, and the state each should show. */
export type LabManifest = MmapLockManifest | VforkDManifest | FreezerDManifest | FuseReadDManifest;
export type LabManifestOf<S extends LabScenario> = Extract<LabManifest, { scenario: S }>;

const fuseScenarios: readonly LabScenario[] = ['mmap-lock', 'fuse-read-d'];
const freezerRoot = '/sys/fs/cgroup/freezer';
const toolChecks = new Map<string, boolean>();

function hasTool(name: string): boolean {
  let ok = toolChecks.get(name);
  if (ok === undefined) {
    ok = spawnSync(name, ['--version'], { stdio: 'ignore', timeout: 10_000, killSignal: 'SIGKILL' }).status === 0;
    toolChecks.set(name, ok);
  }
  return ok;
}

/** Why SCENARIO cannot run on this host, or null when it can. */
export function labUnavailable(scenario: LabScenario): string | null {
  if (process.platform !== 'linux') return 'needs Linux: the lab makes real kernel D states';
  if (process.getuid?.() !== 0) return 'needs root: lab.sh mounts FUSE, freezes cgroups and reads kernel stacks';
  for (const tool of ['bash', 'gcc', 'setsid']) {
    if (!hasTool(tool)) return tool === 'gcc' ? 'needs gcc to build test/lab/src/*.c' : `needs ${tool}`;
  }
  if (fuseScenarios.includes(scenario) && !existsSync('/dev/fuse')) return 'needs /dev/fuse (FUSE support)';
  if (scenario === 'freezer-d' && !existsSync(join(freezerRoot, 'cgroup.procs'))) {
    return `needs the cgroup v1 freezer mounted at ${freezerRoot}`;
  }
  return null;
}

function labEnv(env: LabEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    ...process.env,
    LAB_TTL: process.env.LAB_TTL ?? String(defaultLabTtlSeconds),
    LAB_ROOT: process.env.LAB_ROOT ?? join(tmpdir(), 'procdx-lab'),
  };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

interface LabRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs `bash lab.sh ARGS` in its own process group. Past TIMEOUTMS the group gets SIGKILL, and if
 * it still does not end (a task in D cannot die) the run is abandoned, so a broken lab cannot hang
 * the suite. The helpers lab.sh starts lead their own sessions and are not in that group.
 */
function runLab(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<LabRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('bash', [labScript, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let done = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (done) return;
      done = true;
      clearTimeout(killTimer);
      clearTimeout(abandonTimer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    };
    let abandonTimer: NodeJS.Timeout | undefined;
    const killTimer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
      abandonTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        child.unref();
        finish(null, 'SIGKILL');
      }, 2000);
    }, timeoutMs);
    child.on('error', (err) => {
      stderr += `\n${err.message}`;
      finish(null, null);
    });
    child.on('close', (code, signal) => finish(code, signal));
  });
}

function describeRun(args: string, env: NodeJS.ProcessEnv, run: LabRun): string {
  const what = `LAB_ROOT=${env.LAB_ROOT} bash test/lab/lab.sh ${args}`;
  const how = run.timedOut
    ? `did not finish within its limit and was killed after ${run.ms} ms`
    : `failed (exit ${run.code ?? run.signal}) after ${run.ms} ms`;
  return `${what} ${how}\n--- stderr\n${run.stderr.trimEnd()}\n--- stdout\n${run.stdout.trimEnd()}`;
}

// Scenarios this process brought up and has not taken down yet, keyed by LAB_ROOT.
const upHere = new Map<string, Set<LabScenario>>();
let exitHookInstalled = false;

function rememberUp(root: string, scenario: LabScenario): void {
  let set = upHere.get(root);
  if (!set) upHere.set(root, (set = new Set()));
  set.add(scenario);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // Last resort if a test exits without its after hook: take down what this process brought up.
    process.once('exit', () => {
      for (const [labRoot, scenarios] of upHere) {
        for (const s of scenarios) {
          spawnSync('bash', [labScript, 'down', s], {
            env: { ...process.env, LAB_ROOT: labRoot },
            stdio: 'ignore',
            timeout: 30_000,
            killSignal: 'SIGKILL',
          });
        }
      }
    });
  }
}

/**
 * Brings SCENARIO up with `lab.sh up` and returns the manifest it prints. LAB_TTL defaults to
 * {@link defaultLabTtlSeconds}. On failure lab.sh has already taken the scenario down again; if it
 * had to be killed, or printed no valid manifest, this takes the scenario down before throwing.
 */
export async function labUp<S extends LabScenario>(
  scenario: S,
  env: LabEnv = {},
  options: LabRunOptions = {},
): Promise<LabManifestOf<S>> {
  const fullEnv = labEnv(env);
  const root = fullEnv.LAB_ROOT!;
  const run = await runLab(['up', scenario], fullEnv, options.timeoutMs ?? labUpTimeoutMs);
  // A plain failure: lab.sh reported it and has already taken the scenario down (or never started it).
  if (!run.timedOut && run.code !== 0) throw new Error(describeRun(`up ${scenario}`, fullEnv, run));
  let problem = describeRun(`up ${scenario}`, fullEnv, run);
  if (!run.timedOut) {
    try {
      const manifest = checkManifest(scenario, JSON.parse(run.stdout));
      rememberUp(root, scenario);
      return manifest as LabManifestOf<S>;
    } catch (err) {
      problem = `bash test/lab/lab.sh up ${scenario} printed no valid manifest: ${(err as Error).message}\n${run.stdout}`;
    }
  }
  // lab.sh was killed half-way or its output is unusable: the scenario may be partly up.
  try {
    await labDown(scenario, { LAB_ROOT: root });
  } catch (err) {
    problem += `\n\nand taking it down failed too: ${(err as Error).message}`;
  }
  throw new Error(problem);
}

/**
 * Takes SCENARIO (or every scenario) down with `lab.sh down`: releases the blocked tasks, ends the
 * lab's processes, unmounts, removes the cgroup. Throws with lab.sh's output when it reports
 * leftovers (a lab task still alive or in D, a mount or cgroup left) or does not finish in time.
 */
export async function labDown(
  scenario?: LabScenario,
  env: Pick<LabEnv, 'LAB_RELEASE' | 'LAB_ROOT'> = {},
  options: LabRunOptions = {},
): Promise<void> {
  const fullEnv = labEnv(env);
  const root = fullEnv.LAB_ROOT!;
  const run = await runLab(scenario ? ['down', scenario] : ['down'], fullEnv, options.timeoutMs ?? labDownTimeoutMs);
  if (run.code !== 0 || run.timedOut) throw new Error(describeRun(`down${scenario ? ` ${scenario}` : ''}`, fullEnv, run));
  if (scenario) upHere.get(root)?.delete(scenario);
  else upHere.delete(root);
}

function checkManifest(scenario: LabScenario, json: unknown): LabManifest {
  const m = json as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new Error(`manifest of ${scenario}: ${what}`);
  };
  if (typeof m !== 'object' || m === null) fail('not an object');
  if (m.scenario !== scenario) fail(`scenario is ${String(m.scenario)}`);
  const isInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;
  const need = (keys: string[], test: (v: unknown) => boolean, kind: string): void => {
    for (const k of keys) if (!test(m[k])) fail(`${k} is not ${kind}: ${JSON.stringify(m[k])}`);
  };
  const ints = (keys: string[]): void => need(keys, isInt, 'a pid');
  const lists = (keys: string[]): void => need(keys, (v) => Array.isArray(v) && v.every(isInt), 'a list of pids');
  const strings = (keys: string[]): void => need(keys, (v) => typeof v === 'string' && v !== '', 'a string');
  strings(['kernel', 'state_dir']);
  ints(['ttl_s']);
  if (!Array.isArray(m.tasks) || m.tasks.length === 0) fail('tasks is not a non-empty list');
  for (const t of m.tasks as Record<string, unknown>[]) {
    if (typeof t.role !== 'string' || !isInt(t.pid) || !isInt(t.tid) || typeof t.expect !== 'string' || !/^[A-Z]$/.test(t.expect)) {
      fail(`bad task ${JSON.stringify(t)}`);
    }
  }
  const fuse = (): void => {
    const f = m.fuse as Record<string, unknown> | undefined;
    if (!f || !isInt(f.server_pid) || !Number.isInteger(f.conn) || typeof f.abort !== 'string' || typeof f.mountpoint !== 'string' || typeof f.file !== 'string') {
      fail(`fuse is incomplete: ${JSON.stringify(f)}`);
    }
  };
  switch (scenario) {
    case 'mmap-lock':
      ints(['target_pid', 'writer_tid', 'vma_control_tid', 'lock_holder_pid']);
      lists(['faulter_tids', 'readers']);
      strings(['reader_file', 'fuse_map_addr']);
      fuse();
      break;
    case 'vfork-d':
      ints(['parent_pid', 'child_pid']);
      break;
    case 'freezer-d':
      ints(['spinner_pid', 'watchdog_pid']);
      lists(['frozen_pids', 'sleeper_pids']);
      strings(['cgroup', 'freezer_state']);
      break;
    case 'fuse-read-d':
      ints(['direct_reader_pid']);
      lists(['readers']);
      fuse();
      break;
  }
  return m as unknown as LabManifest;
}

// ---- stat-only readers, safe while a scenario is up ----

export interface TaskStat {
  /** The state letter after the last ')'. */
  state: string;
  /** Field 22, starttime in clock ticks: tells a reused pid from the task that had it. */
  startTime: string;
}

/** Reads /proc/PID/task/TID/stat; undefined when the task is gone. */
export function readTaskStat(pid: number, tid: number): TaskStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  // fields after the comm start at field 3 (state); starttime is field 22
  const rest = text.slice(close + 2).trim().split(' ');
  return { state: rest[0] ?? '', startTime: rest[19] ?? '' };
}

/** /proc/PID/task/TID/wchan, or '' when unreadable. */
export function readWchan(pid: number, tid: number): string {
  try {
    return readFileSync(`/proc/${pid}/task/${tid}/wchan`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** Targets of /proc/PID/fd/* links (readlink only, never opened). */
export function readFdLinks(pid: number): string[] {
  const links: string[] = [];
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return links;
  }
  for (const fd of fds) {
    try {
      links.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {
      // closed meanwhile
    }
  }
  return links;
}
