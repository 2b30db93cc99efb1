import { closeSync, constants, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Rule files are small; anything larger is a mistake or an attack, not a rule set. */
export const MAX_RULE_FILE_BYTES = 256 * 1024;

/** What is at a name in a rule directory; `missing` is a dangling link. */
export type EntryKind = 'dir' | 'file' | 'missing' | 'other';

export type Listing = { ok: true; entries: { name: string; kind: EntryKind }[] } | { ok: false; error: NodeJS.ErrnoException };

export type FileText = { ok: true; text: string } | { ok: false; error: string };

/**
 * A directory of rule files, as the loaders see it: the built-in rules/ and every site set on disk,
 * or the built-in set embedded in the single-file build. Paths are relative to it, `/`-separated.
 * The rule, signature and history code reads rule sets only through this, so that both kinds go
 * through the same checks and name their files the same way.
 */
export interface RuleDir {
  /** How its files are named in findings and errors: `rules` for the built-in set, the directory as given otherwise. */
  readonly shown: string;
  /** The directory on disk; null for the embedded copy, which holds rules and signatures but no rule tests. */
  readonly path: string | null;
  /** The entries of a folder in it, sorted by name ('' is the top). */
  list(rel: string): Listing;
  /** A file's text, if it is a regular file within the rule-file size limit. */
  read(rel: string): FileText;
}

/** A rule directory on disk, its files shown under `shown` (the directory as given, by default). */
export function diskRuleDir(path: string, shown: string = path): RuleDir {
  return {
    shown,
    path,
    list(rel) {
      const dir = join(path, rel);
      try {
        return { ok: true, entries: readdirSync(dir).sort().map((name) => ({ name, kind: kindOf(join(dir, name)) })) };
      } catch (err) {
        return { ok: false, error: err as NodeJS.ErrnoException };
      }
    },
    read: (rel) => readBounded(join(path, rel)),
  };
}

/** A rule directory held in memory: file path (relative, `/`-separated) -> text. */
export function embeddedRuleDir(files: Record<string, string>, shown: string): RuleDir {
  const folders = new Map<string, Map<string, EntryKind>>([['', new Map()]]);
  for (const file of Object.keys(files)) {
    const parts = file.split('/');
    for (let i = 0; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (!folders.has(folder)) folders.set(folder, new Map());
      folders.get(folder)!.set(parts[i]!, i === parts.length - 1 ? 'file' : 'dir');
    }
  }
  const missing = (rel: string): NodeJS.ErrnoException => Object.assign(new Error(`ENOENT: no such file or directory, scandir '${join(shown, rel)}'`), { code: 'ENOENT' });
  return {
    shown,
    path: null,
    list(rel) {
      const folder = folders.get(rel);
      if (!folder) return { ok: false, error: missing(rel) };
      return { ok: true, entries: [...folder].map(([name, kind]) => ({ name, kind })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
    },
    read(rel) {
      const text = Object.hasOwn(files, rel) ? files[rel] : undefined;
      return text === undefined ? { ok: false, error: 'cannot read: no such file in the embedded rule set' } : { ok: true, text };
    },
  };
}

/** The folder `name` of a rule directory (signatures/), as a rule directory of its own. */
export function subDir(dir: RuleDir, name: string): RuleDir {
  return {
    shown: join(dir.shown, name),
    path: dir.path === null ? null : join(dir.path, name),
    list: (rel) => dir.list(rel === '' ? name : `${name}/${rel}`),
    read: (rel) => dir.read(`${name}/${rel}`),
  };
}

/** Rule sets nest folders by area (rules/<area>/<id>.yaml); deeper folders are not read. */
const MAX_DEPTH = 3;

export interface FilesUnderOptions {
  /** Folders directly under the top to pass over (the rule loader reads signatures/ separately). */
  skipTopDirs?: string[];
  /** Only regular files; otherwise any non-folder whose name is wanted (the loader reports what it cannot read). */
  regularOnly?: boolean;
  /** Called for a folder that cannot be listed (its path relative to the top); by default it is passed over. */
  onUnreadable?: (rel: string, err: Error) => void;
}

/** Files of a rule directory whose names `wanted` accepts, as relative paths in sorted order, at most three folders deep. */
export function filesUnder(dir: RuleDir, wanted: (name: string) => boolean, options: FilesUnderOptions = {}): string[] {
  const files: string[] = [];
  const walk = (rel: string, depth: number): void => {
    const listing = dir.list(rel);
    if (!listing.ok) {
      options.onUnreadable?.(rel, listing.error);
      return;
    }
    for (const { name, kind } of listing.entries) {
      const path = rel === '' ? name : `${rel}/${name}`;
      if (kind === 'dir') {
        if (depth === 0 && options.skipTopDirs?.includes(name)) continue;
        if (depth < MAX_DEPTH) walk(path, depth + 1);
      } else if (wanted(name) && (kind === 'file' || (!options.regularOnly && kind !== 'missing'))) {
        files.push(path);
      }
    }
  };
  walk('', 0);
  return files;
}

function kindOf(path: string): EntryKind {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * The file's text, read only if it is a regular file within the size limit. Opened non-blocking
 * so that a FIFO named like a rule file cannot hang the load; read with a bound so that a file
 * growing after the size check is still refused.
 */
let readBuffer: Buffer | undefined;

export function readBounded(file: string): FileText {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, error: `cannot read: ${(err as Error).message}` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { ok: false, error: 'not a regular file' };
    const tooBig = (size: number) => `${size} bytes is over the ${MAX_RULE_FILE_BYTES}-byte limit for a rule file`;
    if (stat.size > MAX_RULE_FILE_BYTES) return { ok: false, error: tooBig(stat.size) };
    // One buffer for every file of a run: a fresh 256 KiB per file made rule loading GC-bound.
    const buffer = (readBuffer ??= Buffer.allocUnsafe(MAX_RULE_FILE_BYTES + 1));
    let length = 0;
    for (let n; length < buffer.length && (n = readSync(fd, buffer, length, buffer.length - length, null)) > 0; ) length += n;
    if (length > MAX_RULE_FILE_BYTES) return { ok: false, error: tooBig(length) };
    return { ok: true, text: buffer.toString('utf8', 0, length) };
  } catch (err) {
    return { ok: false, error: `cannot read: ${(err as Error).message}` };
  } finally {
    closeSync(fd);
  }
}
