/**
 * Where raw /proc data comes from. Paths are /proc-relative ("loadavg", "123/task/123/stat",
 * "sys/vm/overcommit_memory"); the live source maps them onto /proc, a directory source onto any
 * directory laid out like /proc. A failed read is a value, never an exception: on a sick host
 * ENOENT (the task vanished), EACCES (no root) and EINVAL are normal outcomes.
 */
export type ReadErrorCode = string; // errno name as Node reports it: ENOENT, EACCES, EINVAL, ESRCH, ...

/**
 * A file read. Besides errno names, `error` can be BLOCKED (a guarded read overran its deadline;
 * `afterMs` says when it was given up) or SKIPPED (not tried; `reason` says why).
 */
export type FileRead = { ok: true; text: string } | { ok: false; error: ReadErrorCode; afterMs?: number; reason?: string };
export type LinkRead = { ok: true; target: string } | { ok: false; error: ReadErrorCode };
export type DirRead = { ok: true; entries: string[] } | { ok: false; error: ReadErrorCode };

export interface ProcSource {
  /** Human-readable description for reports, e.g. "/proc" or "proc-root /tmp/seed". */
  readonly description: string;
  /** The directory the paths are relative to, for the guarded reader's helper process. */
  readonly root: string;
  readFile(path: string): FileRead;
  readLink(path: string): LinkRead;
  listDir(path: string): DirRead;
}

/** Node's errors carry the errno name in `code`; anything else is reported as EIO. */
export function errorCode(err: unknown): ReadErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'EIO';
}
