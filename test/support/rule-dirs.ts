import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';

/**
 * Rule set directories written for one test file, under one temporary folder removed after the
 * file's tests: `ruleDir({ 'x.yaml': text })` gives a fresh directory holding those files.
 */
export function ruleDirs(prefix: string): { tmp: string; ruleDir: (files: Record<string, string>) => string } {
  const tmp = mkdtempSync(join(tmpdir(), `procdx-${prefix}-`));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  let n = 0;
  return {
    tmp,
    ruleDir(files) {
      const dir = join(tmp, `set${n++}`);
      mkdirSync(dir);
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      return dir;
    },
  };
}
