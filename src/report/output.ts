import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The report could not be written where --output said. */
export class OutputError extends Error {}

const WHY: Record<string, string> = {
  ENOENT: 'the directory does not exist',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'it is a directory',
};

/**
 * Writes `data` to `file` so that a reader sees the old file or the new one, never a part: a
 * temporary file in the same directory (a dot file not ending in .prom, which node_exporter's
 * textfile collector skips), fsync, rename over the target, then fsync of the directory so the
 * rename survives a crash. On failure the temporary file is removed and the old file is left as
 * it was.
 */
export function writeFileAtomic(file: string, data: string): void {
  const target = resolve(file);
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    created = true;
    const bytes = Buffer.from(data, 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    if (created) rmSync(tmp, { force: true });
    const code = (err as NodeJS.ErrnoException).code;
    throw new OutputError(`--output ${file}: cannot write: ${code && WHY[code] ? `${code} (${WHY[code]})` : (err as Error).message}`);
  }
  try {
    const dirFd = openSync(dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the file itself is complete either way.
  }
}
