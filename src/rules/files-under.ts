import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Rule sets nest folders by area (rules/<area>/<id>.yaml); deeper folders are not read. */
const MAX_DEPTH = 3;

export interface FilesUnderOptions {
  /** Folders directly under `dir` to pass over (the rule loader reads signatures/ separately). */
  skipTopDirs?: string[];
  /** Only regular files; otherwise any non-folder whose name is wanted (the loader reports what it cannot read). */
  regularOnly?: boolean;
  /** Called for a folder that cannot be listed; by default it is passed over. */
  onUnreadable?: (dir: string, err: Error) => void;
}

/** Files under a rule set directory whose names `wanted` accepts, in sorted order, at most three folders deep. */
export function filesUnder(dir: string, wanted: (name: string) => boolean, options: FilesUnderOptions = {}): string[] {
  const files: string[] = [];
  const walk = (d: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch (err) {
      options.onUnreadable?.(d, err as Error);
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      const kind = kindOf(path);
      if (kind === 'dir') {
        if (depth === 0 && options.skipTopDirs?.includes(name)) continue;
        if (depth < MAX_DEPTH) walk(path, depth + 1);
      } else if (wanted(name) && (kind === 'file' || (!options.regularOnly && kind !== 'missing'))) {
        files.push(path);
      }
    }
  };
  walk(dir, 0);
  return files;
}

function kindOf(path: string): 'dir' | 'file' | 'missing' | 'other' {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}
