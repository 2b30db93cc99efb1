import { setTimeout as sleep } from 'node:timers/promises';
import { parseFdLink } from '../parsers/fd-link.js';
import { GuardedReader } from './guard.js';
import { KERNEL_LOG_BOUNDS, readKernelLog, type KernelLogSpec } from './kernel-log.js';
import { emptySnapshot, RecordingSource, type Snapshot } from './snapshot.js';
import type { ProcSource } from './source.js';

/** Host-wide files, read once. Missing ones (old kernels, no PSI) are recorded as read errors. */
export const GLOBAL_FILES = [
  'loadavg',
  'stat',
  'meminfo',
  'buddyinfo',
  'vmstat',
  'pressure/cpu',
  'pressure/io',
  'pressure/memory',
  'sys/kernel/osrelease',
  'sys/kernel/hostname',
  'sys/kernel/pid_max',
  'sys/kernel/threads-max',
  'sys/kernel/hung_task_timeout_secs',
  'sys/kernel/hung_task_warnings',
  'sys/kernel/hung_task_panic',
  'sys/kernel/tainted',
  'sys/vm/overcommit_memory',
  'sys/vm/overcommit_ratio',
  'sys/vm/overcommit_kbytes',
  'sys/vm/min_free_kbytes',
  'sys/vm/swappiness',
  'sys/vm/panic_on_oom',
  'sys/fs/file-nr',
  'sys/fs/file-max',
] as const;

/**
 * How procdx reads each per-task file. `sync`: answers in microseconds and takes no lock of the
 * target (stat, status, wchan, fd links), read in this process. `guarded`: can block on the
 * target's locks (cmdline and environ take its mmap lock; stack and syscall its exec lock), read
 * only in the guard's helper process with a deadline. `never`: not read at all.
 */
export const READ_POLICY = {
  stat: 'sync',
  status: 'sync',
  wchan: 'sync',
  'fd/*': 'sync',
  stack: 'guarded',
  cmdline: 'guarded',
  environ: 'never',
  maps: 'never',
  smaps: 'never',
  smaps_rollup: 'never',
  numa_maps: 'never',
  pagemap: 'never',
  mem: 'never',
} as const;

export interface CollectOptions {
  /**
   * Least time between the two /proc/stat samples, for CPU utilisation. Live runs want a few
   * hundred ms; a static tree gives the same text twice whatever the wait, so 0 there.
   */
  statIntervalMs: number;
  /** The whole collection's budget: past it, procdx stops reading and reports what it has. */
  deadlineMs: number;
  /** How long one guarded read may take before it counts as blocked. */
  guardTimeoutMs: number;
  /**
   * The kernel log to read: /dev/kmsg on a live host, or a file. Without it the snapshot records
   * that a /proc tree has no kernel log, and the facts from it are unknown.
   */
  kernelLog?: KernelLogSpec;
  /** Called as tasks are read, for a progress line. */
  progress?: (tasksRead: number, phase: string) => void;
  /**
   * Work to do while waiting for the second /proc/stat sample, once every guarded read is done
   * (procdx loads its rules then). Its errors are the caller's to report: they are not thrown here.
   */
  duringInterval?: () => void;
}

export const DEFAULT_COLLECT: Omit<CollectOptions, 'statIntervalMs'> = { deadlineMs: 5000, guardTimeoutMs: 200 };

/** Time kept back from the deadline for the second /proc/stat sample. */
const STAT_RESERVE_MS = 50;

/** Processes walked between two yields to the event loop. */
const YIELD_EVERY = 256;

const isPid = (name: string): boolean => /^[0-9]+$/.test(name);

/**
 * Reads what the facts need from a source. Per task: stat; for tasks in D also wchan, fd links
 * (once per process) and stack; every thread's stack for a process that blocked readers point
 * at; cmdline of every process not already known to be contended. Stacks and cmdlines go through
 * the guard. Never environ, maps, smaps or mem. The kernel log (`options.kernelLog`) once,
 * without blocking and within bounds. A process that vanishes mid-read leaves ENOENT entries, not
 * an error; when the deadline passes, what is left is recorded as not read.
 */
export async function collect(source: ProcSource, options: CollectOptions): Promise<Snapshot> {
  const started = performance.now();
  const deadline = started + options.deadlineMs;
  const snapshot = emptySnapshot(source.description, options.deadlineMs);
  const src = new RecordingSource(source, snapshot);

  // The helper starts now and reads stacks on the other core while this process walks /proc.
  const guard = new GuardedReader({
    root: source.root,
    fileTimeoutMs: options.guardTimeoutMs,
    deadline: deadline - STAT_RESERVE_MS,
    groupOf: (path) => path.slice(0, path.indexOf('/')),
  });
  for (const path of GLOBAL_FILES) src.readFile(path);
  // While the helper starts: a few ms for a usual buffer, and never more than a fifth of the run.
  const logBounds = { ...KERNEL_LOG_BOUNDS, maxMs: Math.min(KERNEL_LOG_BOUNDS.maxMs, options.deadlineMs / 5) };
  snapshot.kernelLog = await readKernelLog(options.kernelLog, deadline - STAT_RESERVE_MS, logBounds);

  const root = src.listDir('');
  const pids = root.ok ? root.entries.filter(isPid).sort((a, b) => Number(a) - Number(b)) : [];
  const stacks = new Set<string>();
  const contended = new Set<string>();
  let tasksRead = 0;

  for (let i = 0; i < pids.length; i++) {
    if (performance.now() > deadline - STAT_RESERVE_MS) {
      snapshot.run.deadlinePassed = true;
      snapshot.run.pidsNotRead = pids.length - i;
      pids.length = i;
      break;
    }
    const pid = pids[i]!;
    src.readFile(`${pid}/stat`);
    const tasks = src.listDir(`${pid}/task`);
    if (!tasks.ok) continue;
    const blocked: string[] = [];
    for (const tid of tasks.entries.filter(isPid)) {
      tasksRead++;
      const stat = src.readFile(`${pid}/task/${tid}/stat`);
      if (!stat.ok || taskState(stat.text) !== 'D') continue;
      src.readFile(`${pid}/task/${tid}/wchan`);
      blocked.push(`${pid}/task/${tid}/stack`);
    }
    if (blocked.length > 0) {
      for (const path of blocked) stacks.add(path);
      guard.add(blocked);
      for (const target of readFdLinks(src, pid)) contended.add(target);
    }
    if (i % YIELD_EVERY === YIELD_EVERY - 1) {
      // Let the guard's answers in, so its helper never stalls on a full pipe, and draw progress.
      guard.flush();
      await new Promise((resolve) => setImmediate(resolve));
      options.progress?.(tasksRead, 'tasks');
    }
  }
  options.progress?.(tasksRead, 'tasks');

  // The process a pile-up points at: all its threads, blocked or not, are the evidence.
  for (const target of [...contended].sort((a, b) => Number(a) - Number(b))) {
    const tasks = snapshot.dirs.get(`${target}/task`) ?? src.listDir(`${target}/task`);
    if (!tasks.ok) continue;
    src.readFile(`${target}/status`);
    for (const tid of tasks.entries.filter(isPid)) {
      const path = `${target}/task/${tid}/stack`;
      if (stacks.has(path)) continue;
      stacks.add(path);
      guard.add([path]);
      src.readFile(`${target}/task/${tid}/wchan`);
    }
  }

  // Reading a contended process's cmdline is how ps hangs: those are not tried at all.
  const cmdlines = pids.filter((pid) => !contended.has(pid)).map((pid) => `${pid}/cmdline`);
  for (const pid of contended) {
    snapshot.files.set(`${pid}/cmdline`, { ok: false, error: 'SKIPPED', reason: 'blocked tasks are reading this process\'s /proc files' });
  }
  options.progress?.(tasksRead, 'stacks');
  guard.add(cmdlines);
  const guarded = await guard.done();
  for (const [path, read] of guarded) snapshot.files.set(path, read);
  if ([...guarded.values()].some((r) => !r.ok && r.error === 'SKIPPED' && r.reason === 'the run deadline passed')) {
    snapshot.run.deadlinePassed = true;
  }

  try {
    options.duringInterval?.();
  } catch {
    // The caller calls it again after collection and reports the error then.
  }
  const elapsed = performance.now() - started;
  const wait = Math.min(options.statIntervalMs - elapsed, deadline - performance.now());
  if (wait > 0) await sleep(wait);
  const statRead = source.readFile('stat');
  const intervalMs = Math.round(performance.now() - started);
  snapshot.statSecond = { read: statRead, intervalMs };
  snapshot.vmstatSecond = { read: source.readFile('vmstat'), intervalMs };
  return snapshot;
}

/** Reads every fd link of a process; returns the pids its fds point into under /proc. */
function readFdLinks(src: ProcSource, pid: string): string[] {
  const fds = src.listDir(`${pid}/fd`);
  if (!fds.ok) return [];
  const targets: string[] = [];
  for (const fd of fds.entries.filter(isPid)) {
    const link = src.readLink(`${pid}/fd/${fd}`);
    if (!link.ok) continue;
    const target = parseFdLink(link.target);
    if (target.kind === 'proc' && String(target.pid) !== pid) targets.push(String(target.pid));
  }
  return targets;
}

/**
 * The state letter of a stat line: the field after the last ')' (comm may hold ')' and spaces).
 * The facts stage parses the whole line, and reports it if it is malformed.
 */
function taskState(text: string): string {
  return text.charAt(text.lastIndexOf(')') + 2);
}
