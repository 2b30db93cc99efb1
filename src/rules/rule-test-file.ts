import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { ErrorObject } from 'ajv';
import { factCatalog } from '../facts/catalog.js';
import { ENTITY_KINDS, known, unknown, type EntityKind, type Fact, type FactMap, type FactSet, type FactValue, type SourceRef } from '../facts/fact.js';
import { schemaObject } from '../schemas.js';
import type { SignatureCatalog } from '../signatures/catalog.js';
import type { Rule, Severity } from './rule.js';
import { closest } from '../suggest.js';
import { compileFileSchema, jsonPointer, readYamlFile, schemaProblems as ruleSchemaProblems, type PositionMap, type Position } from './yaml-file.js';

/**
 * Rule test files (schemas/rule-test.schema.json): reading one, checking it against the schema, the
 * fact catalog and the loaded rules, and turning its inline facts into FactSet parts. Every problem
 * is reported as `file:line:column: message`, all at once, and a file with any problem loads nothing.
 */

export type TreeName = 'seed-2.6' | 'seed-6.x' | 'healthy' | 'io-storm';

export interface ExpectedFinding {
  rule: string;
  subject?: string;
  severity?: Severity;
  message?: string;
  messageContains?: string;
  because?: string[];
}

export interface ExpectedNotEvaluated {
  rule: string;
  reasonContains?: string;
}

/** An entity as a test gives it: the subject fields it names, and its facts. */
export interface EntityInput {
  kind: EntityKind;
  /** pid and comm (process, proc_target), pid, tid and comm (thread), node and zone (zone), comm (command), as far as given. */
  subject: Record<string, string | number>;
  facts: FactMap;
  /** "file:line" of the entity, for errors found when it is laid over a tree. */
  where: string;
}

/** Facts written in the test file: inline input, or an override. */
export interface FactsInput {
  facts: FactMap;
  entities: EntityInput[];
  gaps: FactSet['gaps'];
}

export type CaseInput =
  | { kind: 'inline'; facts: FactsInput }
  | { kind: 'tree'; tree: TreeName; override?: FactsInput }
  | { kind: 'snapshot'; snapshot: string; shown: string; override?: FactsInput };

export interface RuleTestCase {
  name: string;
  line: number;
  input: CaseInput;
  fires: ExpectedFinding[];
  silent: string[];
  notEvaluated: ExpectedNotEvaluated[];
  /** Disabled rules the case names; such a case is skipped. */
  disabled: string[];
}

export interface RuleTestFile {
  /** As shown in output: relative to the package for built-in tests, as given otherwise. */
  file: string;
  cases: RuleTestCase[];
}

export class RuleTestLoadError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = 'RuleTestLoadError';
  }
}

/** What a test file is checked against: the effective rules and the stack signatures. */
export interface RuleTestContext {
  rules: Rule[];
  signatures: SignatureCatalog;
  /** Rules a rule set switched off (enabled: false): a case that names one is skipped, not an error. */
  disabled?: ReadonlySet<string>;
}

/** Loads test files; any problem in any of them throws RuleTestLoadError listing every problem. */
export function loadRuleTestFiles(files: { path: string; shown: string }[], context: RuleTestContext): RuleTestFile[] {
  const errors: string[] = [];
  const loaded: RuleTestFile[] = [];
  for (const f of files) {
    const result = loadRuleTestFile(f.path, f.shown, context);
    if (result.ok) loaded.push(result.file);
    else errors.push(...result.errors);
  }
  if (errors.length > 0) throw new RuleTestLoadError(errors);
  return loaded;
}

/** The tree names a test may use, as the schema lists them. */
export function treeNames(): TreeName[] {
  return (testSchema().definitions.case.properties.tree.enum as TreeName[]).slice();
}

interface RawCase {
  name: string;
  facts?: Record<string, RawValue>;
  entities?: RawEntities;
  gaps?: Record<string, string>;
  tree?: TreeName;
  snapshot?: string;
  override?: { facts?: Record<string, RawValue>; entities?: RawEntities; gaps?: Record<string, string> };
  fires?: { rule: string; subject?: string; severity?: Severity; message?: string; message_contains?: string; because?: string[] }[];
  silent?: string[];
  not_evaluated?: (string | { rule: string; reason_contains?: string })[];
}
type RawValue = FactValue | { unknown: string };
type RawEntities = Partial<Record<EntityKind, { subject?: Record<string, string | number>; facts: Record<string, RawValue> }[]>>;
interface RawFile {
  cases: RawCase[];
}

function loadRuleTestFile(path: string, shown: string, context: RuleTestContext): { ok: true; file: RuleTestFile } | { ok: false; errors: string[] } {
  const read = readYamlFile(path, shown);
  if (!read.ok) return read;
  const doc = positioned(read.data, read.positions);
  const validate = compileFileSchema<RawFile>('rule-test.schema.json');
  const problems: string[] = [];
  // Cases that fail the schema are reported as such; the others are still checked, so that one
  // run shows every problem of the file.
  const invalidCases = new Set<number>();
  if (!validate(doc.data)) {
    const errors = validate.errors ?? [];
    problems.push(...schemaProblems(errors, doc, shown));
    const perCase = errors.map((e) => /^\/cases\/(\d+)(\/|$)/.exec(e.instancePath)?.[1]);
    if (perCase.some((i) => i === undefined)) return { ok: false, errors: problems };
    for (const i of perCase) invalidCases.add(Number(i));
  }

  const report = (at: DataPath, message: string, value = false): void => {
    const p = doc.at(at, value ? 'value' : 'key');
    const kase = typeof at[1] === 'number' ? `case '${(doc.data as RawFile).cases[at[1]]?.name}': ` : '';
    problems.push(`${shown}:${p.line}:${p.column}: ${kase}${message}`);
  };
  const ruleIds = new Map(context.rules.map((r) => [r.id, r]));
  let disabled = new Set<string>();
  const checkRule = (id: string, at: DataPath): void => {
    if (ruleIds.has(id)) return;
    if (context.disabled?.has(id)) {
      disabled.add(id);
      return;
    }
    const hint = closest(id, [...ruleIds.keys()]);
    report(at, `no rule '${id}' is loaded${hint ? ` (did you mean '${hint}'?)` : ''}; a site rule's directory must be given with --rules, and a disabled rule (enabled: false) cannot be tested`, true);
  };

  const raw = doc.data as RawFile;
  const cases: RuleTestCase[] = [];
  const names = new Map<string, number>();
  raw.cases.forEach((c, i) => {
    if (invalidCases.has(i)) return;
    const at: DataPath = ['cases', i];
    disabled = new Set();
    const earlier = names.get(c.name);
    if (earlier !== undefined) report([...at, 'name'], `duplicate case name (also at line ${doc.at(['cases', earlier]).line})`, true);
    names.set(c.name, i);

    const facts = (input: { facts?: Record<string, RawValue>; entities?: RawEntities; gaps?: Record<string, string> }, base: DataPath, override: boolean): FactsInput =>
      factsInput(input, base, override, { doc, shown, report, signatures: context.signatures });
    let input: CaseInput;
    if (c.tree !== undefined) {
      input = { kind: 'tree', tree: c.tree };
      if (c.override) input.override = facts(c.override, [...at, 'override'], true);
    } else if (c.snapshot !== undefined) {
      const file = resolve(dirname(path), c.snapshot);
      if (!isFile(file)) report([...at, 'snapshot'], `snapshot '${c.snapshot}' not found (resolved to ${file}); give a file written by procdx capture, relative to this test file`, true);
      input = { kind: 'snapshot', snapshot: file, shown: c.snapshot };
      if (c.override) input.override = facts(c.override, [...at, 'override'], true);
    } else {
      input = { kind: 'inline', facts: facts(c, at, false) };
    }

    const fires: ExpectedFinding[] = (c.fires ?? []).map((f, j) => {
      checkRule(f.rule, [...at, 'fires', j, 'rule']);
      for (const [k, id] of (f.because ?? []).entries()) checkRule(id.slice(0, id.indexOf('@')), [...at, 'fires', j, 'because', k]);
      const e: ExpectedFinding = { rule: f.rule };
      if (f.subject !== undefined) e.subject = f.subject;
      if (f.severity !== undefined) e.severity = f.severity;
      if (f.message !== undefined) e.message = f.message;
      if (f.message_contains !== undefined) e.messageContains = f.message_contains;
      if (f.because !== undefined) e.because = [...f.because].sort();
      return e;
    });
    const silent = c.silent ?? [];
    silent.forEach((id, j) => checkRule(id, [...at, 'silent', j]));
    const notEvaluated = (c.not_evaluated ?? []).map((n, j) => {
      const e: ExpectedNotEvaluated = typeof n === 'string' ? { rule: n } : { rule: n.rule };
      if (typeof n !== 'string' && n.reason_contains !== undefined) e.reasonContains = n.reason_contains;
      checkRule(e.rule, [...at, 'not_evaluated', j]);
      return e;
    });
    const firing = new Set(fires.map((f) => f.rule));
    const unevaluated = new Set(notEvaluated.map((n) => n.rule));
    silent.forEach((id, j) => {
      if (firing.has(id)) report([...at, 'silent', j], `rule '${id}' is expected both to fire and to be silent`);
      if (unevaluated.has(id)) report([...at, 'silent', j], `rule '${id}' is expected both to be silent (evaluated, no finding) and not evaluated`);
    });

    cases.push({ name: c.name, line: doc.at(at).line, input, fires, silent, notEvaluated, disabled: [...disabled].sort() });
  });
  if (problems.length > 0) return { ok: false, errors: problems.sort(byPosition) };
  return { ok: true, file: { file: shown, cases } };
}

interface FactsContext {
  doc: Doc;
  shown: string;
  report: (at: DataPath, message: string, value?: boolean) => void;
  signatures: SignatureCatalog;
}

/** The identity of each entity kind: subject fields and the facts that carry them. */
const IDENTITY: Record<EntityKind, { field: string; fact: string; type: 'integer' | 'string' }[]> = {
  proc_target: [
    { field: 'pid', fact: 'target.pid', type: 'integer' },
    { field: 'comm', fact: 'target.comm', type: 'string' },
  ],
  process: [
    { field: 'pid', fact: 'process.pid', type: 'integer' },
    { field: 'comm', fact: 'process.comm', type: 'string' },
  ],
  command: [{ field: 'comm', fact: 'command.name', type: 'string' }],
  thread: [
    { field: 'pid', fact: 'thread.pid', type: 'integer' },
    { field: 'tid', fact: 'thread.tid', type: 'integer' },
    { field: 'comm', fact: 'thread.comm', type: 'string' },
  ],
  zone: [
    { field: 'node', fact: 'zone.node', type: 'string' },
    { field: 'zone', fact: 'zone.name', type: 'string' },
  ],
};

/** Subject fields that pick the entity an override applies to. */
export const MATCH_FIELDS: Record<EntityKind, string[]> = { proc_target: ['pid'], process: ['pid'], command: ['comm'], thread: ['tid'], zone: ['node', 'zone'] };

function factsInput(
  input: { facts?: Record<string, RawValue>; entities?: RawEntities; gaps?: Record<string, string> },
  base: DataPath,
  override: boolean,
  ctx: FactsContext,
): FactsInput {
  const catalog = factCatalog();
  const specs = factSpecs();
  const source = (at: DataPath, excerpt: string): SourceRef[] => [{ path: ctx.shown, line: ctx.doc.at(at).line, excerpt }];

  const toFact = (name: string, value: RawValue, at: DataPath, spec: FactSpec | undefined): Fact | null => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      return unknown(value.unknown, source(at, `${name}: unknown (${value.unknown})`));
    }
    if (spec && !spec.accepts(value)) {
      ctx.report(at, `fact '${name}' must be ${spec.description}, not ${JSON.stringify(value)}`, true);
      return null;
    }
    return known(value, source(at, `${name}: ${JSON.stringify(value)}`), spec?.unit);
  };

  const facts: FactMap = new Map();
  for (const [name, value] of Object.entries(input.facts ?? {})) {
    const at = [...base, 'facts', name];
    const spec = specs.global.get(name) ?? specs.patterns.find(([p]) => p.test(name))?.[1];
    if (!catalog.has(name)) {
      const owner = entityKindOf(name);
      if (owner) {
        ctx.report(at, `'${name}' is a fact of each ${owner} entity, not of the host: give it under entities: ${owner}: - facts:`);
      } else {
        const hint = catalog.suggest(name);
        ctx.report(at, `unknown fact '${name}'${hint ? ` (did you mean '${hint}'?)` : ''}; facts are listed in schemas/facts.schema.json`);
      }
      continue;
    }
    const signature = /^tasks\.signature\.(.+)$/.exec(name)?.[1];
    if (signature !== undefined && !ctx.signatures.byId(signature)) {
      ctx.report(at, `no stack signature '${signature}' is loaded (known: ${ctx.signatures.signatures.map((s) => s.id).sort().join(', ')})`);
      continue;
    }
    const fact = toFact(name, value, at, spec);
    if (fact) facts.set(name, fact);
  }

  const entities: EntityInput[] = [];
  for (const kind of Object.keys(ENTITY_KINDS) as EntityKind[]) {
    (input.entities?.[kind] ?? []).forEach((raw, i) => {
      const at: DataPath = [...base, 'entities', kind, i];
      const map: FactMap = new Map();
      const allowed = new Set(catalog.entityFacts(kind));
      for (const [name, value] of Object.entries(raw.facts)) {
        const factAt = [...at, 'facts', name];
        if (!allowed.has(name)) {
          const owner = entityKindOf(name);
          const hint = closest(name, [...allowed]);
          if (owner && owner !== kind) ctx.report(factAt, `'${name}' is a fact of ${owner} entities, not of ${kind} entities (their facts: ${[...allowed].join(', ')})`);
          else if (catalog.has(name)) ctx.report(factAt, `'${name}' is a host fact: give it under facts:, not in a ${kind} entity`);
          else ctx.report(factAt, `unknown ${kind} fact '${name}'${hint ? ` (did you mean '${hint}'?)` : ''} (${kind} facts: ${[...allowed].join(', ')})`);
          continue;
        }
        const fact = toFact(name, value, factAt, specs.entity[kind].get(name));
        if (fact) map.set(name, fact);
      }
      const subject: Record<string, string | number> = { ...(raw.subject ?? {}) };
      const subjectAt = raw.subject ? [...at, 'subject'] : at;
      for (const id of IDENTITY[kind]) {
        const fact = map.get(id.fact);
        const given = subject[id.field];
        if (fact?.ok) {
          if (given !== undefined && given !== fact.value) {
            ctx.report(subjectAt, `subject ${id.field} ${JSON.stringify(given)} disagrees with fact ${id.fact} ${JSON.stringify(fact.value)}`);
          }
          if (typeof fact.value === (id.type === 'integer' ? 'number' : 'string')) subject[id.field] = fact.value as string | number;
        } else if (given !== undefined && !fact) {
          map.set(id.fact, known(given, source(subjectAt, `subject ${id.field}: ${JSON.stringify(given)}`)));
        }
      }
      const needed = override ? MATCH_FIELDS[kind] : IDENTITY[kind].map((id) => id.field);
      const missing = needed.filter((f) => subject[f] === undefined);
      if (missing.length > 0) {
        const facts = IDENTITY[kind].filter((id) => missing.includes(id.field)).map((id) => id.fact);
        ctx.report(at, `a ${kind} entity needs subject ${missing.join(' and ')} (or the fact${facts.length > 1 ? 's' : ''} ${facts.join(' and ')})`);
      }
      const p = ctx.doc.at(at);
      entities.push({ kind, subject, facts: map, where: `${ctx.shown}:${p.line}:${p.column}` });
    });
  }
  return { facts, entities, gaps: { ...(input.gaps ?? {}) } };
}

/** The entity kind whose facts use this name's prefix (process.*, target.*, ...), if any. */
function entityKindOf(name: string): EntityKind | undefined {
  const prefix = name.slice(0, name.indexOf('.'));
  return (Object.keys(ENTITY_KINDS) as EntityKind[]).find((k) => ENTITY_KINDS[k] === prefix);
}

interface FactSpec {
  accepts(value: FactValue): boolean;
  description: string;
  unit?: string;
}

interface FactsSchemaNode {
  $ref?: string;
  'x-unit'?: string;
}

/** Value types and units from schemas/facts.schema.json, so that a test cannot feed a rule a value the real facts never have. */
function factSpecs(): { global: Map<string, FactSpec>; patterns: [RegExp, FactSpec][]; entity: Record<EntityKind, Map<string, FactSpec>> } {
  const schema = schemaObject('facts.schema.json') as {
    properties: { facts: { properties: Record<string, FactsSchemaNode>; patternProperties?: Record<string, FactsSchemaNode> } };
    definitions: Record<string, { properties?: { facts?: { properties?: Record<string, FactsSchemaNode> } } }>;
  };
  const toMap = (props: Record<string, FactsSchemaNode> | undefined): Map<string, FactSpec> =>
    new Map(Object.entries(props ?? {}).flatMap(([name, node]) => {
      const spec = specOf(node);
      return spec ? [[name, spec] as [string, FactSpec]] : [];
    }));
  const entity = {} as Record<EntityKind, Map<string, FactSpec>>;
  for (const kind of Object.keys(ENTITY_KINDS) as EntityKind[]) entity[kind] = toMap(schema.definitions[`${kind}Entity`]?.properties?.facts?.properties);
  return {
    global: toMap(schema.properties.facts.properties),
    patterns: Object.entries(schema.properties.facts.patternProperties ?? {}).flatMap(([p, node]) => {
      const spec = specOf(node);
      return spec ? [[new RegExp(p), spec] as [RegExp, FactSpec]] : [];
    }),
    entity,
  };
}

const isInt = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v);
const TYPES: Record<string, Omit<FactSpec, 'unit'>> = {
  '#/definitions/integerFact': { accepts: isInt, description: 'an integer' },
  '#/definitions/numberFact': { accepts: (v) => typeof v === 'number', description: 'a number' },
  '#/definitions/stringFact': { accepts: (v) => typeof v === 'string', description: 'a string' },
  '#/definitions/booleanFact': { accepts: (v) => typeof v === 'boolean', description: 'true or false' },
  '#/definitions/nullableIntegerFact': { accepts: (v) => v === null || isInt(v), description: 'an integer or null' },
  '#/definitions/nullableStringFact': { accepts: (v) => v === null || typeof v === 'string', description: 'a string or null' },
  '#/definitions/stringListFact': { accepts: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string'), description: 'a list of strings' },
  '#/definitions/integerListFact': { accepts: (v) => Array.isArray(v) && v.every(isInt), description: 'a list of integers' },
};

function specOf(node: FactsSchemaNode): FactSpec | undefined {
  const type = node.$ref ? TYPES[node.$ref] : undefined;
  if (!type) return undefined;
  return node['x-unit'] ? { ...type, unit: node['x-unit'] } : { ...type };
}

interface TestSchema {
  definitions: { case: { properties: { tree: { enum: string[] } } } } & Record<string, unknown>;
}

function testSchema(): TestSchema {
  return schemaObject('rule-test.schema.json') as TestSchema;
}

/**
 * Ajv's errors, positioned, in the words rule files use (yaml-file.ts). Errors inside the branches
 * of anyOf/oneOf/not/then say nothing a reader can act on ("must have required property 'tree'"
 * from one branch of four): the combinator's own error is shown instead, with the description the
 * schema gives it. Messages about a case name it.
 */
function schemaProblems(errors: ErrorObject[], doc: Doc, shown: string): string[] {
  const out: string[] = [];
  const cases = (doc.data as Partial<RawFile> | undefined)?.cases;
  const nameOf = (i: string): string | undefined => {
    const name = Array.isArray(cases) ? (cases[Number(i)] as { name?: unknown } | undefined)?.name : undefined;
    return typeof name === 'string' ? name : undefined;
  };
  // "cases[0].tree: ..." -> "case 'c': tree: ..."; "... in cases[0].fires[1]" -> "... in case 'c' fires[1]"
  const named = (message: string): string =>
    message
      .replace(/^cases\[(\d+)\](?:\.|: )?/, (whole, i: string) => (nameOf(i) !== undefined ? `case '${nameOf(i)}': ` : whole))
      .replace(/ in cases\[(\d+)\]\.?/g, (whole, i: string) => (nameOf(i) !== undefined ? ` in case '${nameOf(i)}'${whole.endsWith('.') ? ' ' : ''}` : whole));
  for (const e of errors) {
    if (/\/(anyOf|oneOf|then)\/\d+\/|\/(not|then)\//.test(e.schemaPath)) continue;
    if (['anyOf', 'oneOf', 'not', 'if'].includes(e.keyword)) {
      const own = e.keyword === 'not' ? (e.schema as { description?: string } | undefined)?.description : undefined;
      const message = own ?? (e.parentSchema as { description?: string } | undefined)?.description ?? e.message ?? 'invalid';
      const p = doc.at(pathOf(e.instancePath), 'key');
      const where = displayWithin(e.instancePath);
      out.push(`${shown}:${p.line}:${p.column}: ${named(`${where}${message}`)}`);
      continue;
    }
    for (const problem of ruleSchemaProblems([e], doc.data)) {
      const p = doc.positions.at(problem.pointer, problem.part);
      out.push(`${shown}:${p.line}:${p.column}: ${named(problem.message)}`);
    }
  }
  return [...new Set(out)];
}

/** /cases/0/fires/1 -> "cases[0].fires[1]: ", as yaml-file.ts shows places. */
function displayWithin(pointer: string): string {
  if (pointer === '') return '';
  const segments = pathOf(pointer);
  return `${segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('')}: `;
}

function pathOf(pointer: string): DataPath {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A path into the loaded data: mapping keys and sequence indexes. */
type DataPath = (string | number)[];

/** The loaded data and where each of its nodes is. */
interface Doc {
  data: unknown;
  positions: PositionMap;
  /** A mapping entry's key (part 'key') or its value; a list item either way. */
  at(path: DataPath, part?: 'key' | 'value'): Position;
}

function positioned(data: unknown, positions: PositionMap): Doc {
  return { data, positions, at: (path, part = 'key') => positions.at(jsonPointer(...path), part) };
}

/** Problems in file order: by line, then column. */
function byPosition(a: string, b: string): number {
  const at = (p: string): number[] => (/:(\d+):(\d+): /.exec(p) ?? [0, 0, 0]).slice(1).map(Number);
  const [la, ca] = at(a);
  const [lb, cb] = at(b);
  return la! - lb! || ca! - cb!;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
