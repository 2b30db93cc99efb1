import type { EntityKind, FactScalar } from '../facts/fact.js';

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: Severity[] = ['critical', 'warning', 'info'];

export const OPERATORS = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'in', 'notIn', 'contains', 'doesNotContain',
] as const;
export type Operator = (typeof OPERATORS)[number];

export interface Leaf {
  fact: string;
  operator: Operator;
  value: FactScalar | FactScalar[] | { fact: string };
}
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;

export interface AdviceSpec {
  text: string;
  command?: string;
  safe?: boolean;
}

/** A rule as written in YAML (schemas/rule.schema.json). */
export interface RuleSpec {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  tags?: string[];
  enabled?: boolean;
  for_each?: EntityKind;
  requires?: string[];
  conditions: Condition;
  message: string;
  advice?: AdviceSpec[];
  references?: { title: string; url: string }[];
}

/** A loaded rule: its spec and where it came from. */
export interface Rule extends RuleSpec {
  /** Path of the YAML file: relative to the package for built-in rules, as given for site rules. */
  file: string;
  /** The rule set it came from: "builtin", "/etc/procdx/rules.d" or a --rules directory. */
  origin: string;
}

export function isLeaf(c: Condition): c is Leaf {
  return 'fact' in c;
}
