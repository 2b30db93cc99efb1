import type { Finding, NotEvaluated } from '../findings/finding.js';
import type { Rule } from '../rules/rule.js';
import type { RunRecord } from '../snapshot/snapshot.js';

/** What a diagnosis says, in the shape of schemas/report.schema.json. */
export interface Report {
  procdx: { version: string };
  /** The language of titles, messages and advice (ids, facts and keys are English); absent in reports before 0.2. */
  lang?: string;
  source: string;
  host: { hostname: string | null; kernel: string | null };
  summary: { critical: number; warning: number; info: number; rules: number; notEvaluated: number };
  findings: Finding[];
  notEvaluated: NotEvaluated[];
  /** Files that could not be read (other than tasks that exited) or parsed, counted by reason with samples. */
  unread: { reason: string; count: number; sample: string[] }[];
  /** The collection against its deadline. */
  run: RunRecord;
}

/** Exit codes as monitoring tools (Nagios plugins, sensu) expect them. */
export const EXIT = { ok: 0, warning: 1, critical: 2, couldNotRun: 3 } as const;

export function exitCodeFor(report: Report): number {
  if (report.summary.critical > 0) return EXIT.critical;
  if (report.summary.warning > 0) return EXIT.warning;
  return EXIT.ok;
}

export function summarize(findings: Finding[], rules: Rule[], notEvaluated: NotEvaluated[]): Report['summary'] {
  const count = (s: string): number => findings.filter((f) => f.severity === s).length;
  return { critical: count('critical'), warning: count('warning'), info: count('info'), rules: rules.length, notEvaluated: notEvaluated.length };
}
