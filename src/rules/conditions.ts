import type { FactScalar, FactValue } from '../facts/fact.js';
import { closest } from '../suggest.js';
import { isLeaf, type Condition, type ConditionSpec, type Leaf, type LeafSpec, type Operator, type Params } from './rule.js';

/** Every fact a condition tree reads, including facts used as thresholds. */
export function conditionFacts(condition: Condition): string[] {
  if (isLeaf(condition)) {
    const threshold = condition.value;
    return isFactRef(threshold) ? [condition.fact, threshold.fact] : [condition.fact];
  }
  if ('all' in condition) return condition.all.flatMap(conditionFacts);
  if ('any' in condition) return condition.any.flatMap(conditionFacts);
  return conditionFacts(condition.not);
}

export function isFactRef(value: Leaf['value'] | LeafSpec['value']): value is { fact: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'fact' in value;
}

export function isParamRef(value: LeafSpec['value']): value is { param: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && 'param' in value;
}

/** Each test of a condition tree with its JSON pointer (under `at`), in document order. */
export function conditionLeaves<L extends Leaf | LeafSpec>(
  condition: Condition | ConditionSpec,
  at = '/conditions',
): { leaf: L; pointer: string }[] {
  if (isLeaf(condition)) return [{ leaf: condition as L, pointer: at }];
  if ('all' in condition) return condition.all.flatMap((c, i) => conditionLeaves<L>(c, `${at}/all/${i}`));
  if ('any' in condition) return condition.any.flatMap((c, i) => conditionLeaves<L>(c, `${at}/any/${i}`));
  return conditionLeaves<L>(condition.not, `${at}/not`);
}

/** What each operator compares the fact with, as a rule author would say it. */
const NEEDS: Record<Operator, { test: (v: unknown) => boolean; what: string }> = {
  equal: { test: isScalar, what: 'a single value' },
  notEqual: { test: isScalar, what: 'a single value' },
  lessThan: { test: isNumber, what: 'a number' },
  lessThanInclusive: { test: isNumber, what: 'a number' },
  greaterThan: { test: isNumber, what: 'a number' },
  greaterThanInclusive: { test: isNumber, what: 'a number' },
  in: { test: Array.isArray, what: 'a list' },
  notIn: { test: Array.isArray, what: 'a list' },
  contains: { test: isScalar, what: 'a single value' },
  doesNotContain: { test: isScalar, what: 'a single value' },
};

function isScalar(v: unknown): boolean {
  return v === null || ['number', 'string', 'boolean'].includes(typeof v);
}

function isNumber(v: unknown): boolean {
  return typeof v === 'number';
}

/** A problem found while resolving params, at a JSON pointer into the rule. */
export interface ParamProblem {
  pointer: string;
  message: string;
}

/**
 * The condition tree with every `{ param: name }` replaced by that param's value, so that the
 * engine, the compiled predicates and the evidence see plain values. An unknown name is a problem
 * at the reference; a value of the wrong kind for its operator is a problem at the param, since
 * that is what a site changed.
 */
export function resolveParams(condition: ConditionSpec, params: Params, at = '/conditions'): { condition: Condition; problems: ParamProblem[]; used: string[] } {
  const problems: ParamProblem[] = [];
  const used = new Set<string>();
  const names = Object.keys(params);
  const resolve = (c: ConditionSpec, pointer: string): Condition => {
    if (isLeaf(c)) {
      const value = c.value;
      if (!isParamRef(value)) return { fact: c.fact, operator: c.operator, value };
      const name = value.param;
      if (!Object.hasOwn(params, name)) {
        const known = names.length > 0 ? `this rule's params: ${names.join(', ')}` : 'this rule has no params';
        const hint = closest(name, names);
        problems.push({ pointer: `${pointer}/value/param`, message: `unknown param '${name}'${hint ? ` (did you mean '${hint}'?)` : ''} (${known})` });
        return { fact: c.fact, operator: c.operator, value: null };
      }
      used.add(name);
      const resolved = params[name]!;
      const needs = NEEDS[c.operator];
      if (!needs.test(resolved)) {
        problems.push({
          pointer: `/params/${name}`,
          message: `${c.fact} ${c.operator} needs ${needs.what}, not ${Array.isArray(resolved) ? 'a list' : JSON.stringify(resolved)} (at ${pointer.slice(1).replace(/\/([0-9]+)/g, '[$1]').replace(/\//g, '.')})`,
        });
      }
      return { fact: c.fact, operator: c.operator, value: resolved, param: name };
    }
    if ('all' in c) return { all: c.all.map((x, i) => resolve(x, `${pointer}/all/${i}`)) };
    if ('any' in c) return { any: c.any.map((x, i) => resolve(x, `${pointer}/any/${i}`)) };
    return { not: resolve(c.not, `${pointer}/not`) };
  };
  const resolved = resolve(condition, at);
  return { condition: resolved, problems, used: [...used].sort() };
}

/** The operators with json-rules-engine's semantics: numeric comparisons are false unless both sides are numbers. */
export const OPERATOR_FUNCTIONS: Record<Operator, (a: FactValue, b: FactValue) => boolean> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  lessThan: (a, b) => numeric(a, b) && (a as number) < (b as number),
  lessThanInclusive: (a, b) => numeric(a, b) && (a as number) <= (b as number),
  greaterThan: (a, b) => numeric(a, b) && (a as number) > (b as number),
  greaterThanInclusive: (a, b) => numeric(a, b) && (a as number) >= (b as number),
  in: (a, b) => Array.isArray(b) && b.includes(a as FactScalar),
  notIn: (a, b) => Array.isArray(b) && !b.includes(a as FactScalar),
  contains: (a, b) => Array.isArray(a) && a.includes(b as FactScalar),
  doesNotContain: (a, b) => Array.isArray(a) && !a.includes(b as FactScalar),
};

function numeric(a: FactValue, b: FactValue): boolean {
  return typeof a === 'number' && typeof b === 'number';
}

/** A fact's value, or the fact of not knowing it. */
export type Lookup3 = (fact: string) => { known: true; value: FactValue } | { known: false };

/** true, false, or null when unknown facts leave the outcome open (Kleene's three-valued logic). */
export type Truth = boolean | null;
export type Predicate3 = (lookup: Lookup3) => Truth;

/**
 * Compiles a condition tree into a closure over a fact lookup: the fast path for rules applied to
 * thousands of entities. Built from data, never from source text. An unknown fact makes its leaf
 * null; `all` is false if any part is false, `any` true if any part is true, otherwise null.
 */
export function compileCondition(condition: Condition): Predicate3 {
  if (isLeaf(condition)) {
    const op = OPERATOR_FUNCTIONS[condition.operator];
    const fact = condition.fact;
    const threshold = condition.value;
    if (isFactRef(threshold)) {
      return (lookup) => {
        const a = lookup(fact);
        const b = lookup(threshold.fact);
        return a.known && b.known ? op(a.value, b.value) : null;
      };
    }
    return (lookup) => {
      const a = lookup(fact);
      return a.known ? op(a.value, threshold) : null;
    };
  }
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (lookup) => {
      let open = false;
      for (const p of parts) {
        const t = p(lookup);
        if (t === false) return false;
        if (t === null) open = true;
      }
      return open ? null : true;
    };
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (lookup) => {
      let open = false;
      for (const p of parts) {
        const t = p(lookup);
        if (t === true) return true;
        if (t === null) open = true;
      }
      return open ? null : false;
    };
  }
  const inner = compileCondition(condition.not);
  return (lookup) => {
    const t = inner(lookup);
    return t === null ? null : !t;
  };
}

export interface LeafOutcome {
  leaf: Leaf;
  held: boolean;
  /** True when the leaf sits under a `not`: the rule needed it to be false. */
  negated: boolean;
}

/**
 * The leaves that decided a true condition: held leaves under all/any, and the false leaves a
 * `not` needed. Leaves whose facts are unknown decided nothing and are left out.
 */
export function decidingLeaves(condition: Condition, lookup: Lookup3, negated = false): LeafOutcome[] {
  if (isLeaf(condition)) {
    const held = compileCondition(condition)(lookup);
    return held !== null && held !== negated ? [{ leaf: condition, held, negated }] : [];
  }
  if ('all' in condition) return condition.all.flatMap((c) => decidingLeaves(c, lookup, negated));
  if ('any' in condition) return condition.any.flatMap((c) => decidingLeaves(c, lookup, negated));
  return decidingLeaves(condition.not, lookup, !negated);
}
