import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
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

  constructor(readonly root: string) {
    this.description = root === '/proc' ? '/proc' : `proc-root ${root}`;
  }

  readFile(path: string): FileRead {
    try {
      return { ok: true, text: readFileSync(join(this.root, path), 'utf8') };
    } catch (err) {
      return { ok: false, error: errorCode(err) };
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
