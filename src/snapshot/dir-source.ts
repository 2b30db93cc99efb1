import { closeSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode, type DirRead, type FileRead, type LinkRead, type ProcSource } from './source.js';

/**
 * Reads /proc-relative paths below a root directory: "/proc" for the live host, or a directory
 * laid out like /proc (a fixture tree, an unpacked capture). Symlinks are read with readlink and
 * never followed, so fd entries keep their original text even when the target is elsewhere.
 *
 * Reads are synchronous on purpose: the files read here (stat, status, wchan, stack, fd links)
 * answer in microseconds, and a sync read cannot tie up libuv's four pool threads.
 */
export class DirSource implements ProcSource {
  readonly description: string;
  /**
   * One buffer for every read: /proc files report size 0, so readFileSync would allocate a
   * fresh 64 KiB buffer for each of the 40,000+ files a run reads.
   */
  private buffer = Buffer.allocUnsafe(64 * 1024);

  constructor(readonly root: string) {
    this.description = root === '/proc' ? '/proc' : `proc-root ${root}`;
  }

  readFile(path: string): FileRead {
    let fd: number;
    try {
      fd = openSync(join(this.root, path), 'r');
    } catch (err) {
      return { ok: false, error: errorCode(err) };
    }
    try {
      let length = 0;
      for (;;) {
        if (length === this.buffer.length) {
          const larger = Buffer.allocUnsafe(this.buffer.length * 2);
          this.buffer.copy(larger, 0, 0, length);
          this.buffer = larger;
        }
        const n = readSync(fd, this.buffer, length, this.buffer.length - length, null);
        if (n === 0) break;
        length += n;
      }
      return { ok: true, text: this.buffer.toString('utf8', 0, length) };
    } catch (err) {
      return { ok: false, error: errorCode(err) };
    } finally {
      closeSync(fd);
    }
  }

  readLink(path: string): LinkRead {
    try {
      return { ok: true, target: readlinkSync(join(this.root, path), 'utf8') };
    } catch (err) {
      return { ok: false, error: errorCode(err) };
    }
  }

  listDir(path: string): DirRead {
    try {
      return { ok: true, entries: readdirSync(join(this.root, path)) };
    } catch (err) {
      return { ok: false, error: errorCode(err) };
    }
  }
}
