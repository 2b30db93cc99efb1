/** What an fd symlink (readlink text of /proc/PID/fd/N) points at. */
export type FdTarget =
  /** "/proc/16653/cmdline", "/proc/16653/task/16657/stat" (file "stat"), "/proc/16653" (file "") */
  | { kind: 'proc'; pid: number; tid: number | null; file: string; text: string }
  /** absolute or relative path; " (deleted)" suffix noted */
  | { kind: 'path'; text: string; deleted: boolean }
  /** "socket:[123]", "pipe:[4]", "anon_inode:[eventfd]", "anon_inode:bpf-map" */
  | { kind: 'socket' | 'pipe' | 'anon_inode' | 'other'; text: string };

const DELETED = ' (deleted)';
const PROC_PID = /^\/proc\/(\d+)(?:\/task\/(\d+))?(?:\/(.*))?$/s;

/**
 * The readlink text of /proc/PID/fd/N (proc(5), "/proc/pid/fd/"), classified.
 *
 *     /proc/16653/task/16657/stack  -> { kind: "proc", pid: 16653, tid: 16657, file: "stack", text }
 *     /proc/16653                   -> { kind: "proc", pid: 16653, tid: null, file: "", text }
 *     /var/log/x (deleted)          -> { kind: "path", deleted: true, text }
 *     socket:[12345]                -> { kind: "socket", text }
 *     anon_inode:[eventfd]          -> { kind: "anon_inode", text }
 *     net:[4026531993]              -> { kind: "other", text }
 *
 * `text` is always the readlink text unchanged, for evidence. A /proc file of a task that has exited
 * reads "/proc/N/... (deleted)" and is a deleted path, not a live "proc" target: nobody can block on
 * a task that is gone. Never fails: anything unrecognised is "other" or a path.
 */
export function parseFdLink(target: string): FdTarget {
  const deleted = target.endsWith(DELETED);
  if (!deleted) {
    const m = PROC_PID.exec(target);
    if (m) {
      return { kind: 'proc', pid: Number(m[1]), tid: m[2] === undefined ? null : Number(m[2]), file: m[3] ?? '', text: target };
    }
  }
  if (target.startsWith('socket:')) return { kind: 'socket', text: target };
  if (target.startsWith('pipe:')) return { kind: 'pipe', text: target };
  if (target.startsWith('anon_inode:')) return { kind: 'anon_inode', text: target };
  // Special files read "type:[inode]" or "type:name", never with a "/"; file names always have one.
  if (target.includes('/')) return { kind: 'path', text: target, deleted };
  return { kind: 'other', text: target };
}
