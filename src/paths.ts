import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where package.json, rules/ and schemas/ live), from src/ or dist/src/ alike. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`procdx: package.json not found above ${dir}; reinstall procdx`);
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
export const builtinRulesDir = join(packageRoot, 'rules');
export const schemasDir = join(packageRoot, 'schemas');
