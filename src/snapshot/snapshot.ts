import type { DirRead, FileRead, LinkRead, ProcSource } from './source.js';

/**
 * Every raw read one collection made, keyed by /proc-relative path. Facts are pure functions of a
 * Snapshot, so the same snapshot always gives the same facts, live or replayed.
 */
export interface Snapshot {
  /** Where the reads came from ("/proc", "proc-root /tmp/x"). */
  source: string;
  files: Map<string, FileRead>;
  links: Map<string, LinkRead>;
  dirs: Map<string, DirRead>;
  /** The second sample of /proc/stat, taken at the end of collection, and its distance from the first. */
  statSecond: { read: FileRead; intervalMs: number } | null;
  /** The second sample of /proc/vmstat, taken with the second /proc/stat one: reclaim, swap and OOM rates over the interval. */
  vmstatSecond: { read: FileRead; intervalMs: number } | null;
  /**
   * The kernel log (hung-task reports and OOM kills show stacks and victims that /proc does not):
   * /dev/kmsg on a live host, a file given with --kernel-log, or a reason it was not read. null in
   * snapshots captured before procdx read the kernel log.
   */
  kernelLog: KernelLogCapture | null;
  /** How the collection went against its deadline. */
  run: RunRecord;
}

export interface KernelLogCapture {
  /** Where it came from: "/dev/kmsg", or the file given with --kernel-log; "" when nothing was read. */
  source: string;
  /** The records kept (the most recent, within the bounds), as read; or why there are none. */
  read: FileRead;
  /**
   * CLOCK_MONOTONIC seconds when a live read ended: printk stamps records with a clock that also
   * counts from boot, so this is "now" on the log's time scale. Absent for a file.
   */
  readAtSecs?: number;
  /** What the bounds left out, when they did ("the oldest 1234 records", "stopped after 500 ms"). */
  truncated?: string;
}

export interface RunRecord {
  deadlineMs: number;
  /** True when the deadline cut the collection short. */
  deadlinePassed: boolean;
  /** Processes listed in /proc but not read at all because the deadline passed. */
  pidsNotRead: number;
}

export function emptySnapshot(source: string, deadlineMs = 0): Snapshot {
  return { source, files: new Map(), links: new Map(), dirs: new Map(), statSecond: null, vmstatSecond: null, kernelLog: null, run: { deadlineMs, deadlinePassed: false, pidsNotRead: 0 } };
}

/** A source wrapper that records each read into a snapshot as it happens. */
export class RecordingSource implements ProcSource {
  readonly description: string;
  readonly root: string;

  constructor(
    private readonly inner: ProcSource,
    readonly snapshot: Snapshot,
  ) {
    this.description = inner.description;
    this.root = inner.root;
  }

  readFile(path: string): FileRead {
    const read = this.inner.readFile(path);
    this.snapshot.files.set(path, read);
    return read;
  }

  readLink(path: string): LinkRead {
    const read = this.inner.readLink(path);
    this.snapshot.links.set(path, read);
    return read;
  }

  listDir(path: string): DirRead {
    const read = this.inner.listDir(path);
    this.snapshot.dirs.set(path, read);
    return read;
  }
}
