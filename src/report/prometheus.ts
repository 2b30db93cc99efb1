import { describeSubject, severityRank, type Finding } from '../findings/finding.js';
import { SEVERITIES } from '../rules/rule.js';
import type { Report } from './report.js';

/** What the report itself does not hold: when the run ended and how long it took. */
export interface RunTiming {
  /** From the start of the command (rules loaded, /proc read, rules run) to the report, in seconds. */
  durationSeconds: number;
  /** When the report was made, in seconds since the epoch. */
  finishedAtSeconds: number;
}

/**
 * The report in Prometheus' text exposition format (version 0.0.4), for node_exporter's textfile
 * collector: one `procdx_finding` series per finding (rule, severity, subject), counts per
 * severity (zeros included, so an alert can compare against them), what could not be evaluated or
 * read, and the run's time and duration. Every sample is a gauge without a timestamp (the textfile
 * collector refuses timestamps). The order is fixed, so the same report gives the same bytes but
 * for the two timing values. Labels are English whatever the report's language (`subject` is
 * "process java (16653)" under LANG=zh_CN too): a series must not change identity with a locale.
 */
export function formatPrometheus(report: Report, timing: RunTiming): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, samples: [labels: Record<string, string>, value: number | string][]): void => {
    out.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`);
    for (const [labels, value] of samples) out.push(`${name}${labelSet(labels)} ${value}`);
  };

  gauge('procdx_info', 'The procdx version and the host and kernel it diagnosed; always 1.', [
    [{ hostname: report.host.hostname ?? '', kernel: report.host.kernel ?? '', version: report.procdx.version }, 1],
  ]);
  gauge(
    'procdx_finding',
    'A finding of the last run: 1 for each rule and subject that fired (procdx diagnose on the host shows its evidence and advice).',
    [...report.findings].sort(byRuleThenSubject).map((f) => [{ rule: f.rule, severity: f.severity, subject: describeSubject(f.subject) }, 1]),
  );
  gauge(
    'procdx_findings',
    'Findings of the last run, by severity.',
    SEVERITIES.map((s) => [{ severity: s }, report.findings.filter((f) => f.severity === s).length]),
  );
  gauge('procdx_rules', 'Rules run (enabled rules of every rule set).', [[{}, report.summary.rules]]);
  gauge('procdx_rules_not_evaluated', 'Rules that could not be evaluated, for some or all of their subjects, because a fact they need was unknown.', [
    [{}, report.notEvaluated.length],
  ]);
  gauge(
    'procdx_rule_not_evaluated',
    'A rule that could not be evaluated (procdx diagnose on the host says why): 1 for each.',
    [...new Set(report.notEvaluated.map((n) => n.rule))].sort().map((rule) => [{ rule }, 1]),
  );
  gauge('procdx_files_unread', 'Files under /proc that could not be read or parsed (tasks that exited not counted), so facts from them were unknown.', [
    [{}, report.unread.reduce((sum, u) => sum + u.count, 0)],
  ]);
  gauge('procdx_deadline_passed', '1 when the collection deadline cut the run short and the report covers only what was read.', [
    [{}, report.run.deadlinePassed ? 1 : 0],
  ]);
  gauge('procdx_run_duration_seconds', 'How long the last run took: rules loaded, /proc read, facts computed, rules run.', [
    [{}, seconds(timing.durationSeconds)],
  ]);
  gauge('procdx_last_run_timestamp_seconds', 'When the last run finished, in seconds since the epoch.', [[{}, seconds(timing.finishedAtSeconds)]]);
  return `${out.join('\n')}\n`;
}

function byRuleThenSubject(a: Finding, b: Finding): number {
  return cmp(a.rule, b.rule) || cmp(describeSubject(a.subject), describeSubject(b.subject)) || severityRank(a.severity) - severityRank(b.severity);
}

/** Code-unit order, not locale order: the same bytes on every host whatever its locale. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function labelSet(labels: Record<string, string>): string {
  const names = Object.keys(labels).sort(cmp);
  return names.length === 0 ? '' : `{${names.map((n) => `${n}="${escapeLabelValue(labels[n]!)}"`).join(',')}}`;
}

/** Label values escape backslash, double quote and line feed (the exposition format's only escapes). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Milliseconds are enough, and fixed digits keep the file stable in size. */
function seconds(value: number): string {
  return value.toFixed(3);
}
