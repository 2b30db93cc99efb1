import { computeFacts } from '../facts/index.js';
import { ENTITY_KINDS, type Entity, type EntityKind, type FactMap, type FactSet, type FactView, type Subject } from '../facts/fact.js';
import { subjectKey, type Finding, type NotEvaluated } from '../findings/finding.js';
import { readSnapshotArchive } from '../snapshot/archive.js';
import { collect, DEFAULT_COLLECT } from '../snapshot/collect.js';
import { DirSource } from '../snapshot/dir-source.js';
import { findContradictions } from './contradictions.js';
import { evaluate } from './evaluate.js';
import { MATCH_FIELDS, type EntityInput, type ExpectedFinding, type FactsInput, type RuleTestCase, type RuleTestContext, type RuleTestFile, type TreeName } from './rule-test-file.js';

/**
 * Runs rule test cases: builds each case's FactSet (inline facts, a fixture tree, or a snapshot,
 * with overrides laid over), runs every loaded rule on it with evaluate(), and compares what the
 * case expects with what came out. Fixture trees live under test/ and are not shipped, so this
 * module never imports them: whoever runs the tests passes `tree`, which writes a tree and returns
 * its directory and kernel log (the npm test harness does); without it, tree cases are skipped.
 */

export interface RuleTestRunOptions extends RuleTestContext {
  /** Writes a tree; returns its root, and the kernel log file that goes with it, if any (read as --kernel-log). */
  tree?: (name: TreeName) => Promise<{ root: string; kernelLog?: string }>;
}

/** Why a case failed, per rule it names. */
export type Mismatch =
  | { kind: 'fires'; rule: string; expected: { finding: ExpectedFinding; matched: boolean }[]; actual: { finding: Finding; matched: boolean }[]; notEvaluated: NotEvaluated[] }
  | { kind: 'silent'; rule: string; fired: Finding[]; notEvaluated: NotEvaluated[] }
  | { kind: 'not_evaluated'; rule: string; reasonContains?: string; fired: Finding[]; notEvaluated: NotEvaluated[] }
  | { kind: 'contradiction'; rule: string; fired: Finding[]; notEvaluated: NotEvaluated[] };

export interface CaseResult {
  name: string;
  line: number;
  status: 'ok' | 'fail' | 'skip' | 'error';
  /** Why a case was skipped: its input is a fixture tree and no one writes trees, or it names a disabled rule. */
  skipped?: 'tree' | 'disabled';
  mismatches: Mismatch[];
  /** Why it was skipped, or the error that kept it from running. */
  reason?: string;
}

export interface FileResult {
  file: string;
  cases: CaseResult[];
}

/** Trees are collected with a deadline they never come near: a test must not depend on machine speed. */
const TREE_DEADLINE_MS = 120_000;

export async function runRuleTests(files: RuleTestFile[], options: RuleTestRunOptions): Promise<FileResult[]> {
  const bases = new Map<string, Promise<FactSet>>();
  const base = (key: string, make: () => Promise<FactSet>): Promise<FactSet> => {
    let p = bases.get(key);
    if (!p) {
      p = make();
      bases.set(key, p);
    }
    return p;
  };
  const results: FileResult[] = [];
  for (const file of files) {
    const cases: CaseResult[] = [];
    for (const c of file.cases) cases.push(await runCase(file, c, options, base));
    results.push({ file: file.file, cases });
  }
  return results;
}

async function runCase(
  file: RuleTestFile,
  c: RuleTestCase,
  options: RuleTestRunOptions,
  base: (key: string, make: () => Promise<FactSet>) => Promise<FactSet>,
): Promise<CaseResult> {
  const result = (status: CaseResult['status'], reason?: string): CaseResult => ({ name: c.name, line: c.line, status, mismatches: [], ...(reason ? { reason } : {}) });
  if (c.disabled.length > 0) return { ...result('skip', `names disabled rule${c.disabled.length > 1 ? 's' : ''} ${c.disabled.join(', ')}`), skipped: 'disabled' };
  try {
    let factSet: FactSet;
    const input = c.input;
    if (input.kind === 'inline') {
      factSet = overlay(emptyFactSet(), input.facts);
    } else if (input.kind === 'tree') {
      const writeTree = options.tree;
      if (!writeTree) return { ...result('skip', `tree ${input.tree}`), skipped: 'tree' };
      const tree = await base(`tree:${input.tree}`, async () => {
        const { root, kernelLog } = await writeTree(input.tree);
        const snapshot = await collect(new DirSource(root), {
          ...DEFAULT_COLLECT,
          deadlineMs: TREE_DEADLINE_MS,
          statIntervalMs: 0,
          ...(kernelLog ? { kernelLog: { kind: 'file' as const, path: kernelLog } } : {}),
        });
        return computeFacts(snapshot, options.signatures);
      });
      factSet = input.override ? overlay(tree, input.override) : tree;
    } else {
      const snap = await base(`snapshot:${input.snapshot}`, async () => computeFacts((await readSnapshotArchive(input.snapshot)).snapshot, options.signatures));
      factSet = input.override ? overlay(snap, input.override) : snap;
    }
    const { findings, notEvaluated } = await evaluate(options.rules, factSet);
    const mismatches = compare(c, findings, notEvaluated);
    // Whatever a case names, no two rules may give opposite verdicts on its facts.
    for (const { a, b } of findContradictions(options.rules, findings)) {
      mismatches.push({ kind: 'contradiction', rule: a.rule, fired: [a, b], notEvaluated: [] });
    }
    return { name: c.name, line: c.line, status: mismatches.length === 0 ? 'ok' : 'fail', mismatches };
  } catch (err) {
    const message = (err as Error).message;
    return result('error', message.startsWith(`${file.file}:`) ? message : `${file.file}:${c.line}: ${message}`);
  }
}

/** Compares findings with what the case expects; only the rules the case names are checked. */
export function compare(c: RuleTestCase, findings: Finding[], notEvaluated: NotEvaluated[]): Mismatch[] {
  const of = <T extends { rule: string }>(list: T[], rule: string): T[] => list.filter((x) => x.rule === rule);
  const mismatches: Mismatch[] = [];

  const expectedByRule = new Map<string, ExpectedFinding[]>();
  for (const e of c.fires) expectedByRule.set(e.rule, [...(expectedByRule.get(e.rule) ?? []), e]);
  for (const [rule, expected] of expectedByRule) {
    const actual = of(findings, rule);
    const pairing = match(expected, actual);
    const matchedActual = new Set(pairing.filter((a) => a !== -1));
    if (pairing.every((a) => a !== -1) && matchedActual.size === actual.length) continue;
    mismatches.push({
      kind: 'fires',
      rule,
      expected: expected.map((finding, i) => ({ finding, matched: pairing[i] !== -1 })),
      actual: actual.map((finding, i) => ({ finding, matched: matchedActual.has(i) })),
      notEvaluated: of(notEvaluated, rule),
    });
  }

  for (const rule of c.silent) {
    const fired = of(findings, rule);
    const unevaluated = of(notEvaluated, rule);
    if (fired.length > 0 || unevaluated.length > 0) mismatches.push({ kind: 'silent', rule, fired, notEvaluated: unevaluated });
  }

  for (const expected of c.notEvaluated) {
    const unevaluated = of(notEvaluated, expected.rule);
    const hit = unevaluated.some((n) => expected.reasonContains === undefined || n.reason.includes(expected.reasonContains));
    if (hit) continue;
    const m: Mismatch = { kind: 'not_evaluated', rule: expected.rule, fired: of(findings, expected.rule), notEvaluated: unevaluated };
    if (expected.reasonContains !== undefined) m.reasonContains = expected.reasonContains;
    mismatches.push(m);
  }
  return mismatches;
}

export function matches(e: ExpectedFinding, f: Finding): boolean {
  if (e.rule !== f.rule) return false;
  if (e.subject !== undefined && e.subject !== subjectKey(f.subject)) return false;
  if (e.severity !== undefined && e.severity !== f.severity) return false;
  if (e.message !== undefined && e.message !== f.message) return false;
  if (e.messageContains !== undefined && !f.message.includes(e.messageContains)) return false;
  if (e.because !== undefined && e.because.join('\n') !== [...f.because].sort().join('\n')) return false;
  return true;
}

/**
 * Pairs each expected finding with a distinct actual one (Kuhn's augmenting paths), so that a loose
 * expectation listed first cannot take the finding a stricter one needs. -1: no partner.
 */
function match(expected: ExpectedFinding[], actual: Finding[]): number[] {
  const partnerOfActual = new Array<number>(actual.length).fill(-1);
  const tryAssign = (e: number, seen: Set<number>): boolean => {
    for (let a = 0; a < actual.length; a++) {
      if (seen.has(a) || !matches(expected[e]!, actual[a]!)) continue;
      seen.add(a);
      if (partnerOfActual[a] === -1 || tryAssign(partnerOfActual[a]!, seen)) {
        partnerOfActual[a] = e;
        return true;
      }
    }
    return false;
  };
  for (let e = 0; e < expected.length; e++) tryAssign(e, new Set());
  const pairing = new Array<number>(expected.length).fill(-1);
  partnerOfActual.forEach((e, a) => {
    if (e !== -1) pairing[e] = a;
  });
  return pairing;
}

function emptyFactSet(): FactSet {
  const entities = {} as Record<EntityKind, Entity[]>;
  for (const kind of Object.keys(ENTITY_KINDS) as EntityKind[]) entities[kind] = [];
  return { facts: new Map(), entities, gaps: {} };
}

/**
 * Lays facts from the test file over a base: host facts replace the base's; an entity replaces the
 * facts it names in the base entity with the same subject, or is added when there is none.
 */
function overlay(base: FactSet, input: FactsInput): FactSet {
  const facts: FactMap = new Map(base.facts);
  for (const [name, fact] of input.facts) facts.set(name, fact);
  const entities = {} as Record<EntityKind, Entity[]>;
  for (const kind of Object.keys(ENTITY_KINDS) as EntityKind[]) {
    const list = [...base.entities[kind]];
    for (const e of input.entities.filter((x) => x.kind === kind)) {
      const i = list.findIndex((b) => sameEntity(kind, b.subject, e.subject));
      if (i === -1) list.push({ subject: subjectOf(e), facts: e.facts });
      else list[i] = { subject: list[i]!.subject, facts: new Overlay(e.facts, list[i]!.facts) };
    }
    entities[kind] = list;
  }
  return { facts, entities, gaps: { ...base.gaps, ...input.gaps } };
}

function sameEntity(kind: EntityKind, subject: Subject, fields: Record<string, string | number>): boolean {
  const have = subject as unknown as Record<string, string | number>;
  return MATCH_FIELDS[kind].every((f) => have[f] === fields[f]);
}

function subjectOf(e: EntityInput): Subject {
  const s = e.subject;
  const missing = (field: string): never => {
    throw new Error(`${e.where}: no ${e.kind} entity with ${MATCH_FIELDS[e.kind].map((f) => `${f} ${String(s[f])}`).join(', ')} in the base to override; to add one, give its subject ${field}`);
  };
  const comm = (): string => (s['comm'] === undefined ? missing('comm') : String(s['comm']));
  switch (e.kind) {
    case 'process':
    case 'proc_target':
      return { kind: 'process', pid: Number(s['pid']), comm: comm() };
    case 'thread':
      return { kind: 'thread', pid: s['pid'] === undefined ? missing('pid') : Number(s['pid']), tid: Number(s['tid']), comm: comm() };
    case 'zone':
      return { kind: 'zone', node: String(s['node']), zone: String(s['zone']) };
    case 'command':
      return { kind: 'command', comm: String(s['comm']) };
  }
}

/** An entity's facts with some replaced: the test's first, then the base's. */
class Overlay implements FactView {
  constructor(
    private readonly top: FactMap,
    private readonly base: FactView,
  ) {}

  get(name: string) {
    return this.top.get(name) ?? this.base.get(name);
  }

  keys(): Iterable<string> {
    return new Set([...this.top.keys(), ...this.base.keys()]);
  }
}
