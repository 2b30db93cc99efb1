import { parseFdLink, type FdTarget } from '../parsers/fd-link.js';
import { parsePidStatHead } from '../parsers/pid-stat.js';
import { parseStack, type StackFrame } from '../parsers/stack.js';
import { parseWchan } from '../parsers/wchan.js';
import type { Snapshot } from '../snapshot/snapshot.js';

/** A stack as read: frames, or why there are none (unreadable, not read because the task was not blocked). */
export type StackRead = { ok: true; frames: StackFrame[] } | { ok: false; reason: string };

export interface ThreadInfo {
  tid: number;
  comm: string;
  state: string;
  /** /proc-relative path of this thread's stat, and its text, for evidence. */
  statPath: string;
  statText: string;
  wchan: string | null;
  stack: StackRead | null; // null: not read (the collector reads stacks of blocked tasks only)
  stackPath: string;
}

export interface FdInfo {
  fd: number;
  path: string; // /proc-relative path of the link
  target: FdTarget;
}

export interface ProcessInfo {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  statPath: string;
  statText: string;
  threads: ThreadInfo[];
  /** fd links, or null when they were not read (no thread in D) or could not be. */
  fds: FdInfo[] | null;
}

/** A read of procdx's own that blocked: the file, and how long the guard waited before giving up. */
export interface BlockedRead {
  pid: number;
  path: string;
  afterMs: number;
}

export interface TaskTable {
  processes: ProcessInfo[];
  byPid: Map<number, ProcessInfo>;
  blockedReads: BlockedRead[];
  /** Processes with a thread in D whose fd links could not be listed (not ENOENT), with the errno. */
  fdsUnreadable: { pid: number; error: string }[];
  /** Files that were read but could not be used, with why: the report lists them. */
  problems: { path: string; reason: string }[];
}

const isPid = (name: string): boolean => /^[0-9]+$/.test(name);

/**
 * Joins the per-task files of a snapshot into processes with their threads. A process whose stat
 * vanished between listing and reading (ENOENT) is skipped quietly: churn is normal.
 */
export function buildTaskTable(snapshot: Snapshot): TaskTable {
  const problems: TaskTable['problems'] = [];
  const processes: ProcessInfo[] = [];
  const root = snapshot.dirs.get('');
  const pids = root?.ok ? root.entries.filter(isPid).map(Number).sort((a, b) => a - b) : [];

  for (const pid of pids) {
    const statPath = `${pid}/stat`;
    const stat = snapshot.files.get(statPath);
    if (!stat?.ok) continue;
    let parsed;
    try {
      parsed = parsePidStatHead(stat.text, `/proc/${statPath}`);
    } catch (err) {
      problems.push({ path: statPath, reason: (err as Error).message });
      continue;
    }
    const process: ProcessInfo = {
      pid,
      comm: parsed.comm,
      state: parsed.state,
      ppid: parsed.ppid,
      statPath,
      statText: firstLine(stat.text),
      threads: readThreads(snapshot, pid, problems),
      fds: readFds(snapshot, pid),
    };
    processes.push(process);
  }
  const blockedReads: BlockedRead[] = [];
  for (const [path, read] of snapshot.files) {
    if (!read.ok && read.error === 'BLOCKED') blockedReads.push({ pid: Number(path.slice(0, path.indexOf('/'))), path, afterMs: read.afterMs ?? 0 });
  }
  blockedReads.sort((a, b) => a.pid - b.pid || a.path.localeCompare(b.path));
  const fdsUnreadable = processes.flatMap((p) => {
    const fds = snapshot.dirs.get(`${p.pid}/fd`);
    return fds && !fds.ok && fds.error !== 'ENOENT' ? [{ pid: p.pid, error: fds.error }] : [];
  });
  return { processes, byPid: new Map(processes.map((p) => [p.pid, p])), blockedReads, fdsUnreadable, problems };
}

function readThreads(snapshot: Snapshot, pid: number, problems: TaskTable['problems']): ThreadInfo[] {
  const list = snapshot.dirs.get(`${pid}/task`);
  if (!list?.ok) return [];
  const threads: ThreadInfo[] = [];
  for (const tid of list.entries.filter(isPid).map(Number).sort((a, b) => a - b)) {
    const base = `${pid}/task/${tid}`;
    const stat = snapshot.files.get(`${base}/stat`);
    if (!stat?.ok) continue;
    let parsed;
    try {
      parsed = parsePidStatHead(stat.text, `/proc/${base}/stat`);
    } catch (err) {
      problems.push({ path: `${base}/stat`, reason: (err as Error).message });
      continue;
    }
    const wchan = snapshot.files.get(`${base}/wchan`);
    threads.push({
      tid,
      comm: parsed.comm,
      state: parsed.state,
      statPath: `${base}/stat`,
      statText: firstLine(stat.text),
      wchan: wchan?.ok ? parseWchan(wchan.text) : null,
      stack: readStack(snapshot, `${base}/stack`, problems),
      stackPath: `${base}/stack`,
    });
  }
  return threads;
}

function readStack(snapshot: Snapshot, path: string, problems: TaskTable['problems']): StackRead | null {
  const read = snapshot.files.get(path);
  if (read === undefined) return null;
  if (!read.ok) return { ok: false, reason: read.error };
  try {
    return { ok: true, frames: parseStack(read.text, `/proc/${path}`) };
  } catch (err) {
    problems.push({ path, reason: (err as Error).message });
    return { ok: false, reason: (err as Error).message };
  }
}

function readFds(snapshot: Snapshot, pid: number): FdInfo[] | null {
  const list = snapshot.dirs.get(`${pid}/fd`);
  if (!list?.ok) return null;
  const fds: FdInfo[] = [];
  for (const fd of list.entries.filter(isPid).map(Number).sort((a, b) => a - b)) {
    const path = `${pid}/fd/${fd}`;
    const link = snapshot.links.get(path);
    if (link?.ok) fds.push({ fd, path, target: parseFdLink(link.target) });
  }
  return fds;
}

function firstLine(text: string): string {
  const end = text.indexOf('\n');
  return end === -1 ? text : text.slice(0, end);
}
