import { embeddedRuleDir } from './rules/rule-dir.js';
import type { Install } from './install.js';

/**
 * The single-file build's install.ts (scripts/bundle.ts puts this module in its place): the
 * built-in rules, the schemas, the version and the guard's helper are embedded in the file at
 * build time.
 */
declare const PROCDX_EMBEDDED: {
  version: string;
  rules: Record<string, string>;
  schemas: Record<string, string>;
  /** src/snapshot/guard-helper.ts as one small CommonJS script (about 1 KB), run with node -e. */
  guardHelper: string;
};

const embedded = PROCDX_EMBEDDED;

export const install: Install = {
  kind: 'single-file',
  version: embedded.version,
  builtinRules: embeddedRuleDir(embedded.rules, 'rules'),
  schemaNames: () => Object.keys(embedded.schemas).sort(),
  schemaText: (name) => {
    const text = Object.hasOwn(embedded.schemas, name) ? embedded.schemas[name] : undefined;
    if (text === undefined) throw new Error(`procdx: schema ${name} is not embedded in this single-file build`);
    return text;
  },
  // The helper's code travels in its argv: starting it reads nothing from disk (on a host whose
  // disk is jammed, re-reading this 0.9 MB file after the page cache dropped it could hang the
  // start), it starts as fast as the package's helper, and it is the code of the running
  // procdx even if the file is replaced or removed mid-run.
  guardHelperArgs: (root) => ['-e', embedded.guardHelper, '--', root],
};
