import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FileRead } from './source.js';

/** A read the guard gave up on: it overran its deadline (the reader is abandoned) or was not tried. */
export type GuardedRead = FileRead | { ok: false; error: 'BLOCKED'; afterMs: number } | { ok: false; error: 'SKIPPED'; reason: string };

/** Start-up of the helper (a node process) may be slow on a sick host; it is bounded separately. */
const HELPER_START_TIMEOUT_MS = 5000;

export interface GuardOptions {
  /** The directory the paths are relative to ("/proc", or a tree laid out like it). */
  root: string;
  /** How long one file may take before it counts as blocked. */
  fileTimeoutMs: number;
  /** Absolute time (performance.now()) after which nothing more is read. */
  deadline: number;
  /** Key that groups paths by process ("1234/task/1234/stack" -> "1234"): after one blocked read, the process's other paths are skipped. */
  groupOf: (path: string) => string;
}

const HELPER = fileURLToPath(new URL('./guard-helper.js', import.meta.url));

/**
 * Reads files that can block on another process's locks (cmdline and environ take its mmap lock,
 * stack and syscall its exec lock) in a separate, short-lived process, never on this process's
 * threads or on libuv's pool. When a read overruns `fileTimeoutMs`, the helper is sent SIGKILL and
 * abandoned without waiting (a task in an uninterruptible wait cannot die until the wait ends, and
 * waiting for it is exactly how ps hangs); a fresh helper carries on with the remaining paths.
 */
export async function guardedRead(paths: string[], options: GuardOptions): Promise<Map<string, GuardedRead>> {
  const results = new Map<string, GuardedRead>();
  const blockedGroups = new Set<string>();
  let next = 0;
  while (next < paths.length) {
    const pending = paths.slice(next).filter((p) => {
      if (!blockedGroups.has(options.groupOf(p))) return true;
      results.set(p, { ok: false, error: 'SKIPPED', reason: 'an earlier read of this process blocked' });
      return false;
    });
    if (pending.length === 0) break;
    const outcome = await runHelper(pending, options, results);
    if (outcome.failed !== null) {
      for (const p of pending) if (!results.has(p)) results.set(p, { ok: false, error: 'SKIPPED', reason: outcome.failed });
      break;
    }
    if (outcome.blocked !== null) {
      blockedGroups.add(options.groupOf(outcome.blocked));
      next = paths.indexOf(outcome.blocked) + 1;
    } else {
      next = paths.length;
    }
    if (outcome.deadlinePassed) break;
  }
  for (const p of paths) {
    if (!results.has(p)) results.set(p, { ok: false, error: 'SKIPPED', reason: 'the run deadline passed' });
  }
  return results;
}

interface HelperOutcome {
  /** The path whose read overran, or null when the helper answered everything it was given. */
  blocked: string | null;
  deadlinePassed: boolean;
  /** Why the helper could not do its job (did not start, died), or null. */
  failed: string | null;
}

function runHelper(paths: string[], options: GuardOptions, results: Map<string, GuardedRead>): Promise<HelperOutcome> {
  return new Promise((resolve) => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [HELPER, options.root], { stdio: 'pipe' });
    let index = 0;
    let buffered = '';
    const spawned = performance.now();
    let started: number | null = null; // when the read now in flight began; null until the helper is ready
    let settled = false;

    const finish = (outcome: HelperOutcome): void => {
      if (settled) return;
      settled = true;
      clearInterval(watchdog);
      // Abandon, never await: the kill may not take effect until the kernel ends the wait.
      child.stdout.removeAllListeners('data');
      child.stdin.destroy();
      child.stdout.destroy();
      child.stderr.destroy();
      child.kill('SIGKILL');
      child.unref();
      resolve(outcome);
    };

    let rechecking = false;
    const watchdog = setInterval(() => {
      const now = performance.now();
      if (started === null) {
        if (now - spawned > HELPER_START_TIMEOUT_MS) finish({ blocked: null, deadlinePassed: false, failed: `the reader process did not start within ${HELPER_START_TIMEOUT_MS} ms` });
        else if (now > options.deadline) finish({ blocked: null, deadlinePassed: true, failed: null });
      } else if (index < paths.length && now - started > options.fileTimeoutMs && !rechecking) {
        // Timers run before I/O: if this process itself stalled (a GC pause), answers may be
        // waiting in the pipe. Look again after the poll phase has read them.
        rechecking = true;
        const waitingOn = index;
        setImmediate(() => {
          rechecking = false;
          if (settled || index !== waitingOn || started === null) return;
          const late = performance.now();
          if (late - started <= options.fileTimeoutMs) return;
          const path = paths[index]!;
          results.set(path, { ok: false, error: 'BLOCKED', afterMs: Math.round(late - started) });
          finish({ blocked: path, deadlinePassed: late > options.deadline, failed: null });
        });
      } else if (now > options.deadline) {
        finish({ blocked: null, deadlinePassed: true, failed: null });
      }
    }, Math.max(5, Math.min(50, options.fileTimeoutMs / 4)));

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (started !== null) {
          results.set(paths[index]!, JSON.parse(line) as FileRead);
          index++;
        }
        started = performance.now();
      }
      if (index >= paths.length) finish({ blocked: null, deadlinePassed: false, failed: null });
    });
    child.on('error', (err) => finish({ blocked: null, deadlinePassed: false, failed: `the reader process failed: ${err.message}` }));
    child.on('exit', (code, signal) => {
      if (index < paths.length) finish({ blocked: null, deadlinePassed: false, failed: `the reader process exited early (${signal ?? code})` });
    });
    child.stdin.on('error', () => undefined); // the helper was killed while we were still writing
    child.stdin.write(`${paths.join('\n')}\n`);
  });
}
