import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { factCatalog } from '../facts/catalog.js';
import { builtinRulesDir, packageRoot } from '../paths.js';
import { compileSchema } from '../schemas.js';
import { conditionFacts } from './conditions.js';
import type { Rule, RuleSpec } from './rule.js';
import { parseTemplate, templateFacts } from './template.js';
import { readYamlFile, schemaErrors } from './yaml-file.js';

/** Built-in rules and signatures live under rules/; signatures/ and rule tests (*.test.yaml) are not rules. */
const SIGNATURES_DIR = 'signatures';
const MAX_RULES = 2000;

export class RuleLoadError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'RuleLoadError';
  }
}

export interface RuleSetSource {
  dir: string;
  origin: string;
}

/** The rule sets in precedence order: built-in, then /etc/procdx/rules.d if present, then each --rules DIR. */
export function ruleSetSources(extraDirs: string[], siteDir = '/etc/procdx/rules.d'): RuleSetSource[] {
  const sources: RuleSetSource[] = [{ dir: builtinRulesDir, origin: 'builtin' }];
  if (isDir(siteDir)) sources.push({ dir: siteDir, origin: siteDir });
  for (const dir of extraDirs) sources.push({ dir, origin: dir });
  return sources;
}

/**
 * Loads and checks every rule of every set. Any problem in any file stops the load with all
 * problems listed, so that no rule set is ever half-loaded. A later set replaces a rule with the
 * same id; `enabled: false` there switches it off.
 */
export function loadRules(sources: RuleSetSource[]): Rule[] {
  const validate = compileSchema<RuleSpec>('rule.schema.json');
  const errors: string[] = [];
  const byId = new Map<string, Rule>();

  for (const source of sources) {
    const files = ruleFiles(source.dir, errors);
    const seen = new Map<string, string>();
    for (const file of files) {
      const shown = source.origin === 'builtin' ? relative(packageRoot, file) : file;
      const read = readYamlFile(file);
      if (!read.ok) {
        errors.push(...read.errors.map((e) => e.replace(file, shown)));
        continue;
      }
      if (!validate(read.data)) {
        errors.push(...schemaErrors(shown, validate.errors));
        continue;
      }
      const spec = read.data;
      const problems = checkRule(spec);
      if (problems.length > 0) {
        errors.push(...problems.map((p) => `${shown}: ${p}`));
        continue;
      }
      const earlier = seen.get(spec.id);
      if (earlier) {
        errors.push(`${shown}: duplicate rule id '${spec.id}' (also in ${earlier})`);
        continue;
      }
      seen.set(spec.id, shown);
      byId.set(spec.id, { ...spec, file: shown, origin: source.origin });
    }
  }
  if (byId.size > MAX_RULES) errors.push(`${byId.size} rules is over the limit of ${MAX_RULES}`);
  const rules = [...byId.values()].filter((r) => r.enabled !== false);
  errors.push(...checkRequires(rules));
  if (errors.length > 0) throw new RuleLoadError(errors);
  return orderByRequires(rules);
}

function ruleFiles(dir: string, errors: string[]): string[] {
  const files: string[] = [];
  const walk = (d: string, depth: number): void => {
    let names: string[];
    try {
      names = readdirSync(d).sort();
    } catch (err) {
      errors.push(`${d}: cannot read rule directory: ${(err as Error).message}`);
      return;
    }
    for (const name of names) {
      const path = join(d, name);
      if (isDir(path)) {
        if (depth === 0 && name === SIGNATURES_DIR) continue;
        if (depth < 3) walk(path, depth + 1);
      } else if (/\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name)) {
        files.push(path);
      }
    }
  };
  walk(dir, 0);
  return files;
}

/** Checks the schema cannot express: facts exist in the catalog, templates parse and name known facts. */
function checkRule(spec: RuleSpec): string[] {
  const catalog = factCatalog();
  const problems: string[] = [];
  const checkFact = (fact: string, where: string): void => {
    if (catalog.has(fact, spec.for_each)) return;
    const hint = catalog.suggest(fact, spec.for_each);
    const scope = spec.for_each ? ` for for_each ${spec.for_each}` : '';
    problems.push(`${where}: unknown fact '${fact}'${scope}${hint ? ` (did you mean '${hint}'?)` : ''}`);
  };
  for (const fact of conditionFacts(spec.conditions)) checkFact(fact, 'conditions');
  const templates: [string, string][] = [['message', spec.message]];
  (spec.advice ?? []).forEach((a, i) => {
    templates.push([`advice[${i}].text`, a.text]);
    if (a.command) templates.push([`advice[${i}].command`, a.command]);
  });
  for (const [where, text] of templates) {
    const parsed = parseTemplate(text);
    if (!parsed.ok) problems.push(`${where}: ${parsed.error}`);
    else for (const fact of templateFacts(parsed.parts)) checkFact(fact, where);
  }
  return problems;
}

function checkRequires(rules: Rule[]): string[] {
  const ids = new Set(rules.map((r) => r.id));
  const problems: string[] = [];
  for (const rule of rules) {
    for (const req of rule.requires ?? []) {
      if (!ids.has(req)) problems.push(`${rule.file}: requires unknown or disabled rule '${req}'`);
    }
  }
  return problems;
}

/** Topological order of `requires` (ties by id); a cycle is an error naming its rules. */
function orderByRequires(rules: Rule[]): Rule[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const ordered: Rule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (rule: Rule, path: string[]): void => {
    if (state.get(rule.id) === 'done') return;
    if (state.get(rule.id) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(rule.id)), rule.id];
      throw new RuleLoadError([`${rule.file}: requires cycle: ${cycle.join(' -> ')}`]);
    }
    state.set(rule.id, 'visiting');
    for (const req of [...(rule.requires ?? [])].sort()) visit(byId.get(req)!, [...path, rule.id]);
    state.set(rule.id, 'done');
    ordered.push(rule);
  };
  for (const rule of [...rules].sort((a, b) => a.id.localeCompare(b.id))) visit(rule, []);
  return ordered;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
