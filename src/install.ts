import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinRulesDir, packageRoot, schemasDir } from './paths.js';
import { diskRuleDir, type RuleDir } from './rules/rule-dir.js';

/**
 * What this copy of procdx carries and how it runs its parts: the package (a checkout or an npm
 * install, files on disk beside dist/) or the single-file build, which carries them inside it. The
 * single-file build (scripts/bundle.ts) replaces this module with install-single-file.ts; everything
 * else is the same code in both.
 */
export interface Install {
  kind: 'package' | 'single-file';
  version: string;
  /** The built-in rule set: rules/ (rules and signatures/; rule tests only on disk). */
  builtinRules: RuleDir;
  /** Names of the JSON Schemas (schemas/*.schema.json). */
  schemaNames(): string[];
  schemaText(name: string): string;
  /** `node` arguments that start the guard's helper process reading below `root` (src/snapshot/guard-helper.ts). */
  guardHelperArgs(root: string): string[];
}

const HELPER = fileURLToPath(new URL('./snapshot/guard-helper-main.js', import.meta.url));

export const install: Install = {
  kind: 'package',
  version: (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version,
  builtinRules: diskRuleDir(builtinRulesDir, 'rules'),
  schemaNames: () => readdirSync(schemasDir).filter((f) => f.endsWith('.schema.json')).sort(),
  schemaText: (name) => readFileSync(join(schemasDir, name), 'utf8'),
  guardHelperArgs: (root) => [HELPER, root],
};
