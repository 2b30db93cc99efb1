import { statSync } from 'node:fs';
import { join } from 'node:path';
import { factCatalog } from '../facts/catalog.js';
import { ENTITY_KINDS, type EntityKind } from '../facts/fact.js';
import { install } from '../install.js';
import { resolveParams } from './conditions.js';
import { isOverride, OVERRIDABLE, type Rule, type RuleFileSpec, type RuleOverrideSpec, type RuleSpec } from './rule.js';
import { parseTemplate, templateFacts, templateParams } from './template.js';
import { closest } from '../suggest.js';
import { diskRuleDir, filesUnder, type RuleDir } from './rule-dir.js';
import { compileFileSchema, displayPath, readRuleDirYaml, schemaProblems, type PositionMap, type Problem } from './yaml-file.js';

/** Built-in rules and signatures live under rules/; signatures/ and rule tests (*.test.yaml) are not rules. */
const SIGNATURES_DIR = 'signatures';
export const MAX_RULES = 2000;
/** Files read from one rule set: rules and overrides, with room to spare. */
const MAX_RULE_FILES = 2 * MAX_RULES;

export class RuleLoadError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'RuleLoadError';
  }
}

export interface RuleSetSource {
  /** The set's files: a directory on disk (shown as given), or a RuleDir (the built-in set, a replayed run's sets). */
  dir: RuleDir | string;
  origin: string;
}

/** A set's files; each file is named `DIR.shown/PATH` in findings and errors. */
export function ruleDirOf(source: RuleSetSource): RuleDir {
  return typeof source.dir === 'string' ? diskRuleDir(source.dir) : source.dir;
}

/** The rule sets in precedence order: built-in, then /etc/procdx/rules.d if present, then each --rules DIR. */
export function ruleSetSources(extraDirs: string[], siteDir = '/etc/procdx/rules.d'): RuleSetSource[] {
  const sources: RuleSetSource[] = [{ dir: install.builtinRules, origin: 'builtin' }];
  if (isDir(siteDir)) sources.push({ dir: siteDir, origin: siteDir });
  for (const dir of extraDirs) sources.push({ dir, origin: dir });
  return sources;
}

/** One rule file that parsed and matches the schema. */
interface RuleFile {
  /** As shown in errors and in Rule.file: relative to the package for built-in rules. */
  file: string;
  origin: string;
  spec: RuleFileSpec;
  positions: PositionMap;
}

/** A rule as assembled so far: the file that defined it, and the overrides of later sets applied to it. */
interface Draft {
  spec: RuleSpec;
  base: RuleFile;
  overrides: RuleFile[];
  /** Field (or `params.NAME`) -> the override that set it last; fields not here come from `base`. */
  fields: Map<string, RuleFile>;
}

/**
 * Loads and checks every rule of every set. Any problem in any file stops the load with all
 * problems listed as `file:line:column: message`, so that no rule set is ever half-loaded.
 *
 * A later set's file with the id of an earlier rule replaces it whole; with `override: true` it
 * changes only the fields it gives (params key by key), e.g. a threshold, or `enabled: false`.
 * Params are resolved here: the rules returned hold plain values in their conditions.
 */
export function loadRules(sources: RuleSetSource[]): Rule[] {
  const validate = compileFileSchema<RuleFileSpec>('rule.schema.json');
  const report = new Problems();
  const drafts = new Map<string, Draft>();
  /** Ids of files that failed to load: what names them is not reported again as unknown. */
  const broken = new Set<string>();
  let overLimit = false;

  for (const source of sources) {
    const dir = ruleDirOf(source);
    const seen = new Map<string, RuleFile>();
    for (const path of ruleFiles(dir, report)) {
      const file = join(dir.shown, path);
      report.register(file);
      const read = readRuleDirYaml(dir, path, file);
      if (!read.ok) {
        report.lines(file, read.errors);
        continue;
      }
      if (!validate(read.data)) {
        let problems = schemaProblems(validate.errors, read.data);
        // `override: yes` meant an override: the keys a whole rule needs would only be noise.
        const override = (read.data as { override?: unknown } | null)?.override;
        if (override !== undefined && typeof override !== 'boolean') problems = problems.filter((p) => !(p.pointer === '' && p.message.startsWith('missing required key')));
        // What can be checked of a whole rule despite its schema errors is checked too: all problems at once.
        if (override !== true) problems.push(...checkNames(read.data));
        report.add(file, read.positions, problems);
        const id = (read.data as { id?: unknown } | null)?.id;
        if (typeof id === 'string') broken.add(id);
        continue;
      }
      const rf: RuleFile = { file, origin: source.origin, spec: read.data, positions: read.positions };
      const id = rf.spec.id;
      const earlier = seen.get(id);
      if (earlier) {
        report.at(rf, '/id', `duplicate rule id '${id}' (also in ${earlier.file}:${place(earlier, '/id')}); one rule set defines each id once`);
        continue;
      }
      seen.set(id, rf);
      if (isOverride(rf.spec)) {
        applyOverride(rf, rf.spec, drafts, broken, report);
      } else if (!drafts.has(id) && drafts.size >= MAX_RULES) {
        if (!overLimit) report.at(rf, '/id', `rule '${id}' is over the limit of ${MAX_RULES} rules`);
        overLimit = true;
      } else {
        drafts.set(id, { spec: rf.spec as RuleSpec, base: rf, overrides: [], fields: new Map() });
      }
    }
  }

  const rules = [...drafts.values()].map((draft) => finishRule(draft, report));
  const active = rules.filter((r) => r.enabled !== false);
  checkRequires(active, drafts, broken, report);
  const ordered = orderByRequires(active, drafts, report);
  if (report.count > 0) throw new RuleLoadError(report.all());
  return ordered;
}

function applyOverride(rf: RuleFile, spec: RuleOverrideSpec, drafts: Map<string, Draft>, broken: Set<string>, report: Problems): void {
  const draft = drafts.get(spec.id);
  if (!draft) {
    if (broken.has(spec.id)) return;
    const hint = closest(spec.id, drafts.keys());
    report.at(
      rf,
      '/id',
      `override of unknown rule '${spec.id}': no earlier rule set defines it${hint ? ` (did you mean '${hint}'?)` : ''}; to add a rule, drop override: true and give the whole rule`,
    );
    return;
  }
  const changed = OVERRIDABLE.filter((field) => spec[field] !== undefined);
  if (changed.length === 0) {
    report.at(rf, '/override', `override of '${spec.id}' changes nothing: give the fields to change, e.g. enabled: false or params`);
    return;
  }
  const params = draft.spec.params ?? {};
  const unknown = Object.keys(spec.params ?? {}).filter((name) => !Object.hasOwn(params, name));
  if (unknown.length > 0) {
    const known = Object.keys(params).length > 0 ? `its params: ${Object.keys(params).join(', ')}` : 'it has no params';
    for (const name of unknown) {
      const hint = closest(name, Object.keys(params));
      report.at(rf, `/params/${name}`, `unknown param '${name}' for rule '${spec.id}'${hint ? ` (did you mean '${hint}'?)` : ''} (${known})`, 'key');
    }
    return;
  }
  const merged: RuleSpec = { ...draft.spec };
  for (const field of changed) {
    if (field === 'params') {
      merged.params = { ...params, ...spec.params };
      for (const name of Object.keys(spec.params!)) draft.fields.set(`params.${name}`, rf);
    } else if (field === 'translations') {
      // A site adds a language, or fixes one field of one, without restating the others.
      const langs = { ...(draft.spec.translations ?? {}) };
      for (const [lang, texts] of Object.entries(spec.translations!)) {
        langs[lang] = { ...langs[lang], ...texts };
        draft.fields.set(`translations.${lang}`, rf);
      }
      merged.translations = langs;
    } else {
      (merged as unknown as Record<string, unknown>)[field] = spec[field];
      draft.fields.set(field, rf);
    }
  }
  draft.spec = merged;
  draft.overrides.push(rf);
}

/** The file a field of a draft came from: `base`, or the override that set it last. */
function fileFor(draft: Draft, pointer: string): RuleFile {
  const [, first = '', second] = pointer.split('/');
  if ((first === 'params' || first === 'translations') && second !== undefined) return draft.fields.get(`${first}.${second}`) ?? draft.base;
  return draft.fields.get(first) ?? draft.base;
}

/**
 * The checks the schema cannot express, on the rule as assembled: params resolve and suit their
 * operators, facts exist in the catalog, templates parse and name known facts and params. Each
 * problem is reported in the file that holds the offending field.
 */
function finishRule(draft: Draft, report: Problems): Rule {
  const spec = draft.spec;
  const params = spec.params ?? {};
  const resolved = resolveParams(spec.conditions, params);
  const problems: Problem[] = [...resolved.problems.map((p) => ({ ...p, message: `${displayPath(p.pointer)}: ${p.message}` })), ...checkNames(spec)];
  for (const [lang, texts] of Object.entries(spec.translations ?? {})) {
    const have = spec.advice?.length ?? 0;
    if ((texts.advice?.length ?? 0) > have) {
      const pointer = `/translations/${lang}/advice`;
      problems.push({ pointer, message: `${displayPath(pointer)}: ${texts.advice!.length} advice texts for ${have} advice item${have === 1 ? '' : 's'}; give one text per item, in order` });
    }
  }
  for (const p of problems) report.at(fileFor(draft, p.pointer), p.pointer, p.message, p.part);

  const rule = { ...spec } as Partial<RuleSpec>;
  delete rule.override;
  return {
    ...(rule as RuleSpec),
    conditions: resolved.condition,
    params,
    conditionParams: resolved.used,
    file: draft.base.file,
    origin: draft.base.origin,
    overriddenBy: draft.overrides.map((o) => o.file),
    overriddenFields: Object.fromEntries([...draft.fields].map(([field, rf]) => [field, rf.file])),
  };
}

/**
 * The facts a rule names (in conditions and templates) exist in the catalog, its templates parse,
 * and their param slots name its params. Written against data that may not match the schema, so
 * that a file with schema errors still gets these checks wherever the shape is right; a file
 * whose for_each is not a known kind gets no fact checks (every entity fact would look unknown).
 */
function checkNames(data: unknown): Problem[] {
  if (!isObject(data)) return [];
  const forEach = data['for_each'];
  if (forEach !== undefined && !(typeof forEach === 'string' && Object.hasOwn(ENTITY_KINDS, forEach))) return [];
  const kind = forEach as EntityKind | undefined;
  const params = isObject(data['params']) ? data['params'] : {};
  const catalog = factCatalog();
  const problems: Problem[] = [];
  const add = (pointer: string, message: string) => problems.push({ pointer, message: `${displayPath(pointer)}: ${message}` });
  const checkFact = (fact: unknown, pointer: string): void => {
    if (typeof fact !== 'string' || catalog.has(fact, kind)) return;
    const hint = catalog.suggest(fact, kind);
    add(pointer, `unknown fact '${fact}'${kind ? ` for for_each ${kind}` : ''}${hint ? ` (did you mean '${hint}'?)` : ''}`);
  };
  const walk = (c: unknown, pointer: string, depth: number): void => {
    if (!isObject(c) || depth > 32) return;
    if ('fact' in c) {
      checkFact(c['fact'], `${pointer}/fact`);
      if (isObject(c['value'])) checkFact(c['value']['fact'], `${pointer}/value/fact`);
      return;
    }
    for (const group of ['all', 'any'] as const) {
      const list = c[group];
      if (Array.isArray(list)) list.forEach((x, i) => walk(x, `${pointer}/${group}/${i}`, depth + 1));
    }
    walk(c['not'], `${pointer}/not`, depth + 1);
  };
  walk(data['conditions'], '/conditions', 0);

  const templates: [string, unknown][] = [['/message', data['message']]];
  if (Array.isArray(data['advice'])) {
    data['advice'].forEach((a: unknown, i) => {
      if (!isObject(a)) return;
      templates.push([`/advice/${i}/text`, a['text']], [`/advice/${i}/command`, a['command']]);
    });
  }
  if (isObject(data['translations'])) {
    for (const [lang, texts] of Object.entries(data['translations'])) {
      if (!isObject(texts)) continue;
      templates.push([`/translations/${lang}/message`, texts['message']]);
      if (Array.isArray(texts['advice'])) texts['advice'].forEach((t: unknown, i) => templates.push([`/translations/${lang}/advice/${i}`, t]));
    }
  }
  for (const [pointer, text] of templates) {
    if (typeof text !== 'string') continue;
    const parsed = parseTemplate(text);
    if (!parsed.ok) {
      add(pointer, parsed.error);
      continue;
    }
    for (const fact of templateFacts(parsed.parts)) checkFact(fact, pointer);
    for (const name of templateParams(parsed.parts)) {
      if (Object.hasOwn(params, name)) continue;
      const names = Object.keys(params);
      const hint = closest(name, names);
      const known = names.length > 0 ? `this rule's params: ${names.join(', ')}` : 'this rule has no params';
      add(pointer, `unknown param '${name}' in {{ params.${name} }}${hint ? ` (did you mean '${hint}'?)` : ''} (${known})`);
    }
  }
  return problems;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every id in `requires` or `contradicts` must name a rule of some set; one that is disabled is simply not cited. */
function checkRequires(rules: Rule[], drafts: Map<string, Draft>, broken: Set<string>, report: Problems): void {
  for (const rule of rules) {
    const draft = drafts.get(rule.id)!;
    for (const field of ['requires', 'contradicts'] as const) {
      (rule[field] ?? []).forEach((id, i) => {
        if (drafts.has(id) || broken.has(id)) return;
        const hint = closest(id, drafts.keys());
        report.at(fileFor(draft, `/${field}/${i}`), `/${field}/${i}`, `${field}[${i}]: unknown rule '${id}'${hint ? ` (did you mean '${hint}'?)` : ''}`);
      });
    }
    if (rule.contradicts?.includes(rule.id)) {
      const i = rule.contradicts.indexOf(rule.id);
      report.at(fileFor(draft, `/contradicts/${i}`), `/contradicts/${i}`, `contradicts[${i}]: a rule cannot contradict itself`);
    }
  }
}

/** Topological order of `requires` over the active rules (ties by id); each cycle is a problem at the `requires` entry that closes it. */
function orderByRequires(rules: Rule[], drafts: Map<string, Draft>, report: Problems): Rule[] {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const ordered: Rule[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (rule: Rule, path: string[]): void => {
    state.set(rule.id, 'visiting');
    for (const req of [...(rule.requires ?? [])].sort()) {
      const target = byId.get(req);
      if (!target || state.get(req) === 'done') continue;
      if (state.get(req) === 'visiting') {
        const cycle = [...path.slice(path.indexOf(req)), rule.id, req];
        const pointer = `/requires/${rule.requires!.indexOf(req)}`;
        report.at(fileFor(drafts.get(rule.id)!, pointer), pointer, `${displayPath(pointer)}: requires cycle ${cycle.join(' -> ')}`);
        continue;
      }
      visit(target, [...path, rule.id]);
    }
    state.set(rule.id, 'done');
    ordered.push(rule);
  };
  for (const rule of [...rules].sort((a, b) => a.id.localeCompare(b.id))) {
    if (!state.has(rule.id)) visit(rule, []);
  }
  return ordered;
}

function place(rf: RuleFile, pointer: string): string {
  const p = rf.positions.at(pointer);
  return `${p.line}:${p.column}`;
}

/** Problems by file, in the order the files were read, each file's in the order of their positions. */
class Problems {
  private readonly files = new Map<string, { positions?: PositionMap; problems: Problem[]; lines: string[] }>();
  private readonly general: string[] = [];
  count = 0;

  register(file: string): void {
    if (!this.files.has(file)) this.files.set(file, { problems: [], lines: [] });
  }

  lines(file: string, lines: string[]): void {
    this.register(file);
    this.files.get(file)!.lines.push(...lines);
    this.count += lines.length;
  }

  add(file: string, positions: PositionMap, problems: Problem[]): void {
    this.register(file);
    const entry = this.files.get(file)!;
    entry.positions = positions;
    entry.problems.push(...problems);
    this.count += problems.length;
  }

  at(rf: RuleFile, pointer: string, message: string, part?: 'key' | 'value'): void {
    this.add(rf.file, rf.positions, [part ? { pointer, message, part } : { pointer, message }]);
  }

  other(message: string): void {
    this.general.push(message);
    this.count++;
  }

  all(): string[] {
    const out: string[] = [];
    for (const [file, entry] of this.files) {
      out.push(...entry.lines);
      if (entry.positions) out.push(...entry.positions.format(file, entry.problems));
    }
    return [...out, ...this.general];
  }
}

function ruleFiles(dir: RuleDir, report: Problems): string[] {
  const files = filesUnder(dir, (name) => /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name), {
    skipTopDirs: [SIGNATURES_DIR],
    onUnreadable: (rel, err) => report.other(`${join(dir.path ?? dir.shown, rel)}: cannot read rule directory: ${err.message}`),
  });
  if (files.length > MAX_RULE_FILES) {
    report.other(`${dir.path ?? dir.shown}: ${files.length} rule files is over the limit of ${MAX_RULE_FILES} for one rule set; nothing was read from it`);
    return [];
  }
  return files;
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
