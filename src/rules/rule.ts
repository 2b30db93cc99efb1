import type { EntityKind, FactScalar } from '../facts/fact.js';

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: Severity[] = ['critical', 'warning', 'info'];

export const OPERATORS = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive', 'in', 'notIn', 'contains', 'doesNotContain',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** A value a site may tune: a condition's `{ param: name }` and a template's `{{ params.name }}` read it. */
export type ParamValue = Exclude<FactScalar, null> | FactScalar[];
export type Params = Record<string, ParamValue>;

/** A test of one fact, as the engine and the compiled predicates see it: params already resolved. */
export interface Leaf {
  fact: string;
  operator: Operator;
  value: FactScalar | FactScalar[] | { fact: string };
  /** The param the value came from, so that evidence can say which threshold a site may tune. */
  param?: string;
}
export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | Leaf;

/** A test as written in YAML: its value may also name a param. */
export interface LeafSpec {
  fact: string;
  operator: Operator;
  value: FactScalar | FactScalar[] | { fact: string } | { param: string };
}
export type ConditionSpec = { all: ConditionSpec[] } | { any: ConditionSpec[] } | { not: ConditionSpec } | LeafSpec;

export interface AdviceSpec {
  text: string;
  command?: string;
  safe?: boolean;
}

/** A rule's user-facing texts in one language; what is left out falls back to English. `advice` follows the rule's advice items in order. */
export interface RuleTranslation {
  title?: string;
  description?: string;
  message?: string;
  advice?: string[];
}

/** A whole rule as written in YAML (schemas/rule.schema.json, definitions.rule). */
export interface RuleSpec {
  id: string;
  title: string;
  severity: Severity;
  description: string;
  tags?: string[];
  enabled?: boolean;
  override?: false;
  for_each?: EntityKind;
  params?: Params;
  requires?: string[];
  /** Rules whose verdict about the same subject cannot be true together with this one's. */
  contradicts?: string[];
  conditions: ConditionSpec;
  message: string;
  advice?: AdviceSpec[];
  references?: { title: string; url: string }[];
  /** Texts in other languages, by BCP 47 tag (zh-CN); English is the rule itself. */
  translations?: Record<string, RuleTranslation>;
}

/** The fields an override may change (schemas/rule.schema.json, definitions.override). */
export const OVERRIDABLE = ['title', 'severity', 'description', 'tags', 'enabled', 'params', 'requires', 'contradicts', 'message', 'advice', 'references', 'translations'] as const;

/** Some fields of an earlier rule set's rule, changed by a later set: `override: true`. */
export type RuleOverrideSpec = { id: string; override: true } & Partial<Pick<RuleSpec, (typeof OVERRIDABLE)[number]>>;

/** What one rule file holds: a whole rule or an override. */
export type RuleFileSpec = RuleSpec | RuleOverrideSpec;

export function isOverride(spec: RuleFileSpec): spec is RuleOverrideSpec {
  return spec.override === true;
}

/** A loaded rule: the effective fields after every override, params resolved, and where they came from. */
export interface Rule extends Omit<RuleSpec, 'conditions' | 'override' | 'params'> {
  conditions: Condition;
  /** The effective params (empty when the rule has none); the conditions already hold their values. */
  params: Params;
  /** The params the conditions named, before their values replaced them. */
  conditionParams: string[];
  /** Path of the YAML file that defined the rule: relative to the package for built-in rules, as given for site rules. */
  file: string;
  /** The rule set it came from: "builtin", "/etc/procdx/rules.d" or a --rules directory. */
  origin: string;
  /** The files of later rule sets that changed some fields (`override: true`), in the order applied. */
  overriddenBy: string[];
  /** For each field an override changed (`params.NAME` for one param), the file that set it last. */
  overriddenFields: Record<string, string>;
}

export function isLeaf<C extends Condition | ConditionSpec>(c: C): c is Extract<C, { fact: string }> {
  return 'fact' in c;
}
