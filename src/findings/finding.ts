import type { FactValue, SourceRef, Subject } from '../facts/fact.js';
import type { Severity } from '../rules/rule.js';

/** One fact behind a finding: its value and where it came from; for a condition, the test it passed. */
export interface Evidence {
  fact: string;
  value: FactValue;
  unit?: string;
  /** Present when the fact was tested by a condition: the operator and the threshold it was compared with. */
  operator?: string;
  threshold?: FactValue;
  /** The rule's param the threshold came from (a site can change it with an override). */
  param?: string;
  /** The condition sat under `not`: it held because this comparison was false. */
  negated?: boolean;
  /** Present when the value is unknown (a fact only cited in the message). */
  unknown?: string;
  sources: SourceRef[];
}

export interface Advice {
  text: string;
  command?: string;
  /** true: read-only; false: changes the system. */
  safe?: boolean;
}

export interface Finding {
  /** rule id and subject: "mmap-lock-proc-readers@pid:16653", "load-high-cpus-idle@host". */
  id: string;
  rule: string;
  severity: Severity;
  title: string;
  message: string;
  subject: Subject;
  evidence: Evidence[];
  /** Ids of the findings this one builds on. */
  because: string[];
  advice: Advice[];
  references: { title: string; url: string }[];
  /** The rule file that produced it. */
  ruleFile: string;
}

/** A rule that could not be evaluated (for some or all of its subjects), with why. */
export interface NotEvaluated {
  rule: string;
  reason: string;
  /** For per-entity rules: how many entities this reason kept out, and a few of them. */
  subjects?: { count: number; sample: Subject[] };
}

export function subjectKey(subject: Subject): string {
  switch (subject.kind) {
    case 'host':
      return 'host';
    case 'process':
      return `pid:${subject.pid}`;
    case 'zone':
      return `zone:${subject.node}/${subject.zone}`;
    case 'command':
      return `command:${subject.comm}`;
    case 'thread':
      return `tid:${subject.tid}`;
  }
}

export function describeSubject(subject: Subject): string {
  switch (subject.kind) {
    case 'host':
      return 'host';
    case 'process':
      return `process ${subject.comm} (${subject.pid})`;
    case 'zone':
      return `zone ${subject.zone} (node ${subject.node})`;
    case 'command':
      return `command ${subject.comm}`;
    case 'thread':
      return `thread ${subject.comm} (${subject.tid} of process ${subject.pid})`;
  }
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/** Deterministic order for replay: by rule id, then subject. */
export function compareFindings(a: Finding, b: Finding): number {
  return a.rule.localeCompare(b.rule) || compareSubjects(a.subject, b.subject);
}

function compareSubjects(a: Subject, b: Subject): number {
  if (a.kind === 'process' && b.kind === 'process') return a.pid - b.pid;
  if (a.kind === 'thread' && b.kind === 'thread') return a.tid - b.tid;
  return subjectKey(a).localeCompare(subjectKey(b));
}
