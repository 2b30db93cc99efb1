import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { install } from '../install.js';
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

/** A runnable helper may take this many times the per-file deadline before its read counts as blocked. */
const RUNNABLE_GRACE = 10;

/** Paths sent to the helper per write: fewer writes and wake-ups than one per process. */
const BATCH = 512;

/**
 * Reads files that can block on another process's locks (cmdline and environ take its mmap lock,
 * stack and syscall its exec lock) in a separate, short-lived process, never on this process's
 * threads or on libuv's pool. Paths can be added while earlier ones are being read, so the helper
 * works on the second core while the caller walks /proc. When a read overruns `fileTimeoutMs`,
 * the helper is sent SIGKILL and abandoned without waiting (a task in an uninterruptible wait
 * cannot die until the wait ends, and waiting for it is exactly how ps hangs); the process's other
 * paths are skipped, and a fresh helper carries on with the rest.
 */
export class GuardedReader {
  readonly results = new Map<string, GuardedRead>();
  private readonly pending: string[] = [];
  private inflight: string[] = [];
  private readonly blockedGroups = new Set<string>();
  private helper: Helper | null = null;
  private closing = false;
  private finished: (() => void) | null = null;
  private failure: string | null = null;
  private readonly watchdog: NodeJS.Timeout;

  constructor(private readonly options: GuardOptions) {
    this.watchdog = setInterval(() => this.check(), Math.max(5, Math.min(50, options.fileTimeoutMs / 4)));
    // A running helper's pipes keep the process alive; the watchdog alone must not.
    this.watchdog.unref();
    this.start();
  }

  /** Queues paths; they are sent to the helper in batches (see `flush`), or at once with `now`. */
  add(paths: string[], now = false): void {
    for (const path of paths) {
      if (this.blockedGroups.has(this.options.groupOf(path))) this.skip(path, 'an earlier read of this process blocked');
      else this.pending.push(path);
    }
    if (now || this.pending.length >= BATCH) this.flush();
  }

  /** Sends what is queued; the caller also yields to the event loop now and then, so answers are read. */
  flush(): void {
    const helper = this.helper;
    if (!helper?.ready || this.pending.length === 0) return;
    if (this.inflight.length === 0) helper.started = performance.now();
    const batch = this.pending.splice(0);
    this.inflight.push(...batch);
    helper.child.stdin.write(`${batch.join('\n')}\n`);
  }

  /** Waits until every path has an answer, or the deadline passes; then ends the helper. */
  done(): Promise<Map<string, GuardedRead>> {
    this.closing = true;
    this.flush();
    return new Promise((resolve) => {
      this.finished = () => resolve(this.results);
      this.settleIfIdle();
    });
  }

  private start(): void {
    if (this.failure) return;
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, install.guardHelperArgs(this.options.root), { stdio: 'pipe' });
    const helper: Helper = { child, spawned: performance.now(), ready: false, started: 0, buffered: '', rechecking: false };
    this.helper = helper;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.onData(helper, chunk));
    child.on('error', (err) => this.fail(helper, `the reader process failed: ${err.message}`));
    child.on('exit', (code, signal) => {
      if (this.helper === helper && (this.inflight.length > 0 || !helper.ready)) this.fail(helper, `the reader process exited early (${signal ?? code})`);
    });
    child.stdin.on('error', () => undefined); // the helper was killed while we were still writing
  }

  private onData(helper: Helper, chunk: string): void {
    if (this.helper !== helper) return;
    const lines = (helper.buffered + chunk).split('\n');
    helper.buffered = lines.pop()!;
    for (const line of lines) {
      if (!helper.ready) {
        helper.ready = true; // the first line only says the helper is up
      } else {
        this.results.set(this.inflight.shift()!, JSON.parse(line) as FileRead);
      }
      helper.started = performance.now();
    }
    this.flush();
    this.settleIfIdle();
  }

  private check(): void {
    const helper = this.helper;
    const now = performance.now();
    if (now > this.options.deadline) return this.stop('the run deadline passed');
    if (!helper) return;
    if (!helper.ready) {
      if (now - helper.spawned > HELPER_START_TIMEOUT_MS) this.fail(helper, `the reader process did not start within ${HELPER_START_TIMEOUT_MS} ms`);
      return;
    }
    if (this.inflight.length === 0 || helper.rechecking || now - helper.started <= this.options.fileTimeoutMs) return;
    // Timers run before I/O: if this process itself stalled (a GC pause), answers may be waiting in
    // the pipe. Look again after the poll phase has read them.
    helper.rechecking = true;
    const waitingOn = this.inflight[0];
    setImmediate(() => {
      helper.rechecking = false;
      const late = performance.now();
      if (this.helper !== helper || this.inflight[0] !== waitingOn || late - helper.started <= this.options.fileTimeoutMs) return;
      // A helper that is runnable is starved of CPU (a loaded host), not blocked: give it longer.
      if (helperState(helper) === 'R' && late - helper.started <= this.options.fileTimeoutMs * RUNNABLE_GRACE) return;
      this.onBlocked(helper, late);
    });
  }

  private onBlocked(helper: Helper, now: number): void {
    const path = this.inflight.shift()!;
    this.results.set(path, { ok: false, error: 'BLOCKED', afterMs: Math.round(now - helper.started) });
    this.blockedGroups.add(this.options.groupOf(path));
    this.abandon(helper);
    const rest = this.inflight;
    this.inflight = [];
    this.pending.unshift(...rest);
    const again = this.pending.splice(0);
    this.add(again, true);
    this.start();
  }

  private fail(helper: Helper, reason: string): void {
    if (this.helper !== helper) return;
    this.failure = reason;
    this.stop(reason);
  }

  /** Gives up on everything not yet answered, with why. */
  private stop(reason: string): void {
    if (this.helper) this.abandon(this.helper);
    for (const path of [...this.inflight, ...this.pending]) this.skip(path, reason);
    this.inflight = [];
    this.pending.length = 0;
    this.closing = true;
    this.settleIfIdle();
  }

  private skip(path: string, reason: string): void {
    if (!this.results.has(path)) this.results.set(path, { ok: false, error: 'SKIPPED', reason });
  }

  private settleIfIdle(): void {
    if (!this.closing || !this.finished || this.inflight.length > 0 || (this.pending.length > 0 && !this.failure)) return;
    clearInterval(this.watchdog);
    if (this.helper) this.abandon(this.helper);
    const finished = this.finished;
    this.finished = null;
    finished();
  }

  /** Abandon, never await: the kill may not take effect until the kernel ends the wait. */
  private abandon(helper: Helper): void {
    if (this.helper === helper) this.helper = null;
    helper.child.stdout.removeAllListeners('data');
    helper.child.stdin.destroy();
    helper.child.stdout.destroy();
    helper.child.stderr.destroy();
    helper.child.kill('SIGKILL');
    helper.child.unref();
  }
}

/** The helper's state letter from its own /proc/PID/stat (which never blocks), or '' if unknown. */
function helperState(helper: Helper): string {
  try {
    const stat = readFileSync(`/proc/${helper.child.pid}/stat`, 'latin1');
    return stat.charAt(stat.lastIndexOf(')') + 2);
  } catch {
    return '';
  }
}

interface Helper {
  child: ChildProcessWithoutNullStreams;
  spawned: number;
  ready: boolean;
  /** When the read now in flight began. */
  started: number;
  buffered: string;
  rechecking: boolean;
}

/** Reads `paths` through a guard session and returns every path's outcome. */
export async function guardedRead(paths: string[], options: GuardOptions): Promise<Map<string, GuardedRead>> {
  const reader = new GuardedReader(options);
  reader.add(paths);
  return reader.done();
}
