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
}

export function emptySnapshot(source: string): Snapshot {
  return { source, files: new Map(), links: new Map(), dirs: new Map(), statSecond: null };
}

/** A source wrapper that records each read into a snapshot as it happens. */
export class RecordingSource implements ProcSource {
  readonly description: string;

  constructor(
    private readonly inner: ProcSource,
    readonly snapshot: Snapshot,
  ) {
    this.description = inner.description;
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
