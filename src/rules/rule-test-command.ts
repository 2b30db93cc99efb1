import { mkdtempSync, realpathSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { RuleBase } from '../diagnose.js';
import { install } from '../install.js';
import { SignatureCatalogError } from '../signatures/catalog.js';
import { diskRuleDir, filesUnder, type RuleDir } from './rule-dir.js';
import { loadRules, ruleDirOf, RuleLoadError, type RuleSetSource } from './load.js';
import { loadRuleTestFiles, RuleTestLoadError, type RuleTestFile } from './rule-test-file.js';
import { formatRuleTestResults, totals } from './rule-test-report.js';
import { runRuleTests } from './rule-tests.js';

/** `procdx rules test` and `procdx rules validate`: finding test files, running them, printing the outcome. */

interface Out {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const EXIT_PASSED = 0;
const EXIT_FAILED = 1;
const EXIT_NOT_LOADED = 3;

const TEST_FILE = /\.test\.ya?ml$/;
const RULE_FILE = /\.ya?ml$/;

/**
 * Runs the test files under `paths` (files, or directories searched for *.test.yaml), or when none
 * are given every test file of every rule set. Tree cases are skipped: trees are test fixtures.
 * Returns the exit code: 0 all passed, 1 a case failed, 3 a test file could not be loaded or a case's input read.
 */
export async function ruleTestCommand(paths: string[], sources: RuleSetSource[], base: RuleBase, out: Out): Promise<number> {
  const found = paths.length > 0 ? testFilesAt(paths) : { files: sources.flatMap((s) => testFilesUnder(ruleDirOf(s))), errors: [] };
  if (found.errors.length > 0) return notLoaded(out, 'the rule tests could not be found', found.errors);
  let files: RuleTestFile[];
  try {
    files = loadRuleTestFiles(found.files, { rules: base.rules, signatures: base.catalog, disabled: disabledBuiltins(base) });
  } catch (err) {
    if (err instanceof RuleTestLoadError) return notLoaded(out, 'the rule tests could not be loaded; nothing was run', err.errors);
    throw err;
  }
  if (files.length === 0) {
    const builtinNote = install.builtinRules.path === null ? ' (the built-in rules\' tests are not part of the single-file build)' : '';
    out.stderr.write(`procdx: no rule test files (*.test.yaml) ${paths.length > 0 ? `in ${paths.join(', ')}` : `in any rule set${builtinNote}`}\n`);
    return EXIT_NOT_LOADED;
  }
  const results = await runRuleTests(files, { rules: base.rules, signatures: base.catalog });
  out.stdout.write(formatRuleTestResults(results));
  const t = totals(results);
  return t.errors > 0 ? EXIT_NOT_LOADED : t.failed > 0 ? EXIT_FAILED : EXIT_PASSED;
}

/**
 * Loads rule files, rule directories and test files as `procdx diagnose` would (with the built-in
 * rules, /etc/procdx/rules.d and each --rules DIR, so that `requires` and overrides resolve) and
 * runs nothing. A directory given is loaded as one more rule set, and its test files are checked.
 */
export function ruleValidateCommand(paths: string[], ruleDirs: string[], loadBase: (dirs: string[]) => RuleBase, out: Out): number {
  const errors: string[] = [];
  const dirs: string[] = [];
  const tests: { path: string; shown: string }[] = [];
  const singles: { file: string; dir: string }[] = [];
  for (const path of paths) {
    const kind = kindOf(path);
    if (kind === 'dir') {
      dirs.push(path);
      tests.push(...testFilesUnder(diskRuleDir(path)));
    } else if (kind === 'file' && TEST_FILE.test(path)) {
      tests.push({ path, shown: path });
    } else if (kind === 'file' && RULE_FILE.test(path)) {
      singles.push({ file: path, dir: '' });
    } else {
      errors.push(kind === 'missing' ? `${path}: no such file or directory` : `${path}: not a rule file (*.yaml), rule test file (*.test.yaml) or directory`);
    }
  }
  if (errors.length > 0) return notLoaded(out, 'nothing to validate', errors);

  // loadRules reads directories; a single rule file is loaded from a directory holding only a link to it.
  try {
    for (const single of singles) {
      single.dir = mkdtempSync(join(tmpdir(), 'procdx-validate-'));
      symlinkSync(resolve(single.file), join(single.dir, basename(single.file)));
    }
    const seen = new Set(ruleDirs.map(canonical));
    const extra = [...dirs, ...singles.map((s) => s.dir)].filter((d) => !seen.has(canonical(d)));
    let base: RuleBase;
    try {
      base = loadBase([...ruleDirs, ...extra]);
    } catch (err) {
      if (!(err instanceof RuleLoadError) && !(err instanceof SignatureCatalogError)) throw err;
      const shown = err.errors.map((e) => singles.reduce((text, s) => text.split(join(s.dir, basename(s.file))).join(s.file), e));
      return notLoaded(out, 'the rules are not valid', shown);
    }
    let cases = 0;
    try {
      cases = loadRuleTestFiles(tests, { rules: base.rules, signatures: base.catalog, disabled: disabledBuiltins(base) }).reduce((n, f) => n + f.cases.length, 0);
    } catch (err) {
      if (err instanceof RuleTestLoadError) return notLoaded(out, 'the rule tests are not valid', err.errors);
      throw err;
    }
    out.stdout.write(`ok: ${base.rules.length} rules and ${base.catalog.signatures.length} stack signatures in effect, ${tests.length} test file${tests.length === 1 ? '' : 's'} with ${cases} case${cases === 1 ? '' : 's'}\n`);
    return EXIT_PASSED;
  } finally {
    for (const s of singles) if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  }
}

/**
 * Built-in rules that a later set switched off: their built-in tests are skipped rather than
 * refused. (A site rule disabled by a later site set is not found this way; its tests then name an
 * unknown rule, which is an error.)
 */
function disabledBuiltins(base: RuleBase): Set<string> {
  const active = new Set(base.rules.map((r) => r.id));
  return new Set(loadRules([{ dir: install.builtinRules, origin: 'builtin' }]).map((r) => r.id).filter((id) => !active.has(id)));
}

function notLoaded(out: Out, what: string, errors: string[]): number {
  out.stderr.write(`procdx: ${what}. Fix these and try again:\n${errors.map((e) => `  ${e}`).join('\n')}\n`);
  return EXIT_NOT_LOADED;
}

function testFilesAt(paths: string[]): { files: { path: string; shown: string }[]; errors: string[] } {
  const files: { path: string; shown: string }[] = [];
  const errors: string[] = [];
  for (const path of paths) {
    const kind = kindOf(path);
    if (kind === 'dir') files.push(...testFilesUnder(diskRuleDir(path)));
    else if (kind === 'file' && TEST_FILE.test(path)) files.push({ path, shown: path });
    else errors.push(kind === 'missing' ? `${path}: no such file or directory` : `${path}: not a rule test file (*.test.yaml) or a directory`);
  }
  return { files, errors };
}

/** Every *.test.yaml under a rule directory on disk, sorted, named as its rules are (rules/... for the built-in set). The embedded built-in set has none. */
function testFilesUnder(dir: RuleDir): { path: string; shown: string }[] {
  const top = dir.path;
  if (top === null) return [];
  return filesUnder(dir, (name) => TEST_FILE.test(name), { regularOnly: true }).map((rel) => ({ path: join(top, rel), shown: join(dir.shown, rel) }));
}

function kindOf(path: string): 'dir' | 'file' | 'missing' | 'other' {
  try {
    const s = statSync(path);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}
