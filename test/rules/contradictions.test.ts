import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTITY_KINDS, known, unknown, type Entity, type EntityKind, type Fact, type FactScalar, type FactSet, type Subject } from '../../src/facts/fact.js';
import { loadRuleBase } from '../../src/diagnose.js';
import { findContradictions } from '../../src/rules/contradictions.js';
import { evaluate } from '../../src/rules/evaluate.js';
import { isLeaf, type Condition, type Rule } from '../../src/rules/rule.js';

/**
 * No two rules give contradictory verdicts on the same facts: every pair of rules that declares
 * `contradicts` is run over fact sets built around every threshold the rules compare with (below,
 * at, above, unknown), and never fires together on one subject. Every rule test case (procdx rules
 * test) checks the same on its own facts and on the fixture trees.
 */

const { rules } = loadRuleBase([], '/nonexistent-site-rules');

/** The values each fact is compared with, per entity kind ('host' for global facts). */
function comparedValues(all: Rule[]): Map<string, Map<string, Set<FactScalar>>> {
  const byKind = new Map<string, Map<string, Set<FactScalar>>>();
  const visit = (kind: string, c: Condition): void => {
    if ('all' in c) return c.all.forEach((x) => visit(kind, x));
    if ('any' in c) return c.any.forEach((x) => visit(kind, x));
    if ('not' in c) return visit(kind, c.not);
    if (!isLeaf(c)) return;
    const facts = byKind.get(kind) ?? new Map<string, Set<FactScalar>>();
    byKind.set(kind, facts);
    const values = facts.get(c.fact) ?? new Set<FactScalar>();
    facts.set(c.fact, values);
    const v = c.value;
    if (Array.isArray(v)) v.forEach((x) => values.add(x));
    else if (v !== null && typeof v === 'object') {
      // A comparison with another fact: that fact takes the same range of values.
      facts.set(v.fact, facts.get(v.fact) ?? new Set<FactScalar>());
    } else values.add(v);
  };
  for (const rule of all) visit(rule.for_each ?? 'host', rule.conditions);
  return byKind;
}

/** Candidate values around each threshold: below, at and above it, 0, and the other values seen. */
function candidates(values: Set<FactScalar>): (FactScalar | FactScalar[] | undefined)[] {
  const out: (FactScalar | FactScalar[] | undefined)[] = [undefined, 0];
  for (const v of values) {
    if (typeof v === 'number') {
      const step = Math.max(Math.abs(v) * 0.01, 0.001);
      out.push(v - step, v, v + step, v * 10);
    } else out.push(v);
  }
  const strings = [...values].filter((v) => typeof v === 'string');
  if (strings.length > 0) out.push(strings, []);
  return out;
}

/** A small deterministic PRNG (mulberry32), so a failure names a reproducible iteration. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBJECTS: Record<EntityKind, Subject> = {
  proc_target: { kind: 'process', pid: 100, comm: 'java' },
  process: { kind: 'process', pid: 100, comm: 'java' },
  command: { kind: 'command', comm: 'java' },
  thread: { kind: 'thread', pid: 100, tid: 101, comm: 'java' },
  zone: { kind: 'zone', node: '0', zone: 'Normal' },
};

function factSet(values: Map<string, Map<string, Set<FactScalar>>>, next: () => number): FactSet {
  const draw = (facts: Map<string, Set<FactScalar>>): Map<string, Fact> => {
    const out = new Map<string, Fact>();
    for (const [name, seen] of facts) {
      const options = candidates(seen);
      const v = options[Math.floor(next() * options.length)];
      out.set(name, v === undefined ? unknown('drawn unknown') : known(v, []));
    }
    return out;
  };
  const entities = {} as Record<EntityKind, Entity[]>;
  for (const kind of Object.keys(ENTITY_KINDS) as EntityKind[]) {
    const facts = values.get(kind);
    entities[kind] = facts ? [{ subject: SUBJECTS[kind], facts: draw(facts) }] : [];
  }
  return { facts: draw(values.get('host') ?? new Map()), entities, gaps: {} };
}

describe('no contradictory verdicts', () => {
  it('the built-in rules declare the verdicts that exclude each other', () => {
    const declared = rules.flatMap((r) => (r.contradicts ?? []).map((other) => `${r.id} / ${other}`));
    assert.ok(declared.includes('mmap-lock-holder-unknown / mmap-lock-holder'), declared.join(', '));
  });

  it('rules that contradict each other never fire together, over 1,500 fact sets around their thresholds', async () => {
    const values = comparedValues(rules);
    const next = random(20261126);
    const seen = new Set<string>();
    for (let i = 0; i < 1500; i++) {
      const set = factSet(values, next);
      const { findings } = await evaluate(rules, set);
      for (const f of findings) seen.add(f.rule);
      const clash = findContradictions(rules, findings).map(({ a, b }) => `${a.id} vs ${b.id}`);
      assert.deepEqual(clash, [], `iteration ${i}`);
    }
    // The draw must reach the rules it checks: each rule of a declared pair fired at least once.
    const paired = new Set(rules.flatMap((r) => ((r.contradicts ?? []).length > 0 ? [r.id, ...r.contradicts!] : [])));
    assert.deepEqual([...paired].filter((id) => !seen.has(id)), []);
  });

  it('a declared contradiction is found whichever rule declares it', () => {
    const finding = (rule: string) => ({ id: `${rule}@host`, rule, subject: { kind: 'host' } }) as never;
    const holder = rules.find((r) => r.id === 'mmap-lock-holder')!;
    const unknownHolder = rules.find((r) => r.id === 'mmap-lock-holder-unknown')!;
    assert.equal(findContradictions([holder, unknownHolder], [finding('mmap-lock-holder'), finding('mmap-lock-holder-unknown')]).length, 1);
    assert.equal(findContradictions([holder], [finding('mmap-lock-holder'), finding('mmap-lock-holder-unknown')]).length, 0);
  });
});
