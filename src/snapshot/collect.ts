import { setTimeout as sleep } from 'node:timers/promises';
import { parsePidStat } from '../parsers/pid-stat.js';
import { parseFdLink } from '../parsers/fd-link.js';
import { emptySnapshot, RecordingSource, type Snapshot } from './snapshot.js';
import type { ProcSource } from './source.js';

/** Host-wide files, read once. Missing ones (old kernels, no PSI) are recorded as read errors. */
export const GLOBAL_FILES = [
  'loadavg',
  'stat',
  'meminfo',
  'buddyinfo',
  'vmstat',
  'sys/kernel/osrelease',
  'sys/kernel/hostname',
  'sys/kernel/pid_max',
  'sys/kernel/threads-max',
  'sys/kernel/hung_task_timeout_secs',
  'sys/kernel/tainted',
  'sys/vm/overcommit_memory',
  'sys/vm/overcommit_ratio',
  'sys/vm/overcommit_kbytes',
  'sys/vm/min_free_kbytes',
  'sys/vm/swappiness',
  'sys/fs/file-nr',
  'sys/fs/file-max',
] as const;

export interface CollectOptions {
  /**
   * Least time between the two /proc/stat samples, for CPU utilisation. Live runs want a few
   * hundred ms; a static tree gives the same text twice whatever the wait, so 0 there.
   */
  statIntervalMs: number;
}

const isPid = (name: string): boolean => /^[0-9]+$/.test(name);

/**
 * Reads what the facts need from a source, and nothing that can take another process's mmap lock:
 * no cmdline, environ, maps, smaps or mem. Per task it reads stat; wchan and stack only for tasks
 * in D (and for every thread of a process that blocked readers point at); fd links only for
 * processes with a D thread. A process that vanishes mid-read leaves ENOENT entries, not an error.
 */
export async function collect(source: ProcSource, options: CollectOptions): Promise<Snapshot> {
  const snapshot = emptySnapshot(source.description);
  const src = new RecordingSource(source, snapshot);
  const started = performance.now();

  for (const path of GLOBAL_FILES) src.readFile(path);

  const root = src.listDir('');
  const pids = root.ok ? root.entries.filter(isPid).sort((a, b) => Number(a) - Number(b)) : [];
  const procTargets = new Set<string>();

  for (const pid of pids) {
    src.readFile(`${pid}/stat`);
    src.readFile(`${pid}/status`);
    const tasks = src.listDir(`${pid}/task`);
    if (!tasks.ok) continue;
    let hasD = false;
    for (const tid of tasks.entries.filter(isPid)) {
      const stat = src.readFile(`${pid}/task/${tid}/stat`);
      if (!stat.ok || taskState(stat.text, `${pid}/task/${tid}/stat`) !== 'D') continue;
      hasD = true;
      readWaitSite(src, pid, tid);
    }
    if (hasD) {
      for (const target of readFdLinks(src, pid)) procTargets.add(target);
    }
  }

  // The process a pile-up points at: all its threads, blocked or not, are the evidence.
  for (const target of [...procTargets].sort((a, b) => Number(a) - Number(b))) {
    const tasks = snapshot.dirs.get(`${target}/task`) ?? src.listDir(`${target}/task`);
    if (!tasks.ok) continue;
    for (const tid of tasks.entries.filter(isPid)) {
      if (!snapshot.files.has(`${target}/task/${tid}/stack`)) readWaitSite(src, target, tid);
    }
  }

  const elapsed = performance.now() - started;
  if (elapsed < options.statIntervalMs) await sleep(options.statIntervalMs - elapsed);
  snapshot.statSecond = {
    read: source.readFile('stat'),
    intervalMs: Math.round(performance.now() - started),
  };
  return snapshot;
}

function readWaitSite(src: ProcSource, pid: string, tid: string): void {
  src.readFile(`${pid}/task/${tid}/wchan`);
  src.readFile(`${pid}/task/${tid}/stack`);
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

function taskState(text: string, path: string): string | undefined {
  try {
    return parsePidStat(text, path).state;
  } catch {
    return undefined; // an unparsable stat is reported by the facts stage, which reads it again
  }
}
