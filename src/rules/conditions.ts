import type { FactScalar, FactValue } from '../facts/fact.js';
import { isLeaf, type Condition, type Leaf, type Operator } from './rule.js';

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

export function isFactRef(value: Leaf['value']): value is { fact: string } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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
