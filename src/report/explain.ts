import { describeSubject, type Finding } from '../findings/finding.js';
import type { Report } from './report.js';
import { evidenceLines, styler, wrap } from './text.js';

export interface ExplainOptions {
  width: number;
  color: boolean;
  /** Explain one finding (its id, or a unique prefix of it); all findings when absent. */
  finding?: string;
}

/**
 * Why a report says what it says: for each finding, every condition that held with its value
 * and threshold, every fact it cites, every /proc file and line those came from (nothing left
 * out, unlike the report), and the chain of findings it builds on, followed down to the end.
 */
export function formatExplain(report: Report, options: ExplainOptions): string {
  const style = styler(options.color);
  const byId = new Map(report.findings.map((f) => [f.id, f]));
  const chosen = options.finding === undefined ? report.findings : selectFinding(report.findings, options.finding);
  const out: string[] = [];
  for (const f of chosen) {
    out.push(...explainFinding(f, style, options.width));
    const chain = chainBelow(f, byId);
    if (chain.length > 0) {
      out.push('    ' + style.bold('Builds on, down to the observations'));
      for (const { finding, depth } of chain) {
        out.push(`    ${'  '.repeat(depth)}- ${finding.id}: ${finding.title}`);
      }
    }
    out.push('');
  }
  if (report.notEvaluated.length > 0 && options.finding === undefined) {
    out.push(style.bold('Not evaluated'));
    for (const n of report.notEvaluated) out.push(...wrap(`- ${n.rule}: ${n.reason}`, options.width, '    ', '  '));
  }
  return `${out.join('\n').trimEnd()}\n`;
}

export class ExplainError extends Error {}

function selectFinding(findings: Finding[], wanted: string): Finding[] {
  const exact = findings.filter((f) => f.id === wanted);
  if (exact.length === 1) return exact;
  const prefixed = findings.filter((f) => f.id.startsWith(wanted));
  if (prefixed.length === 1) return prefixed;
  const known = findings.map((f) => f.id).join(', ') || 'none';
  throw new ExplainError(
    prefixed.length === 0 ? `no finding '${wanted}' in this report (findings: ${known})` : `'${wanted}' matches ${prefixed.length} findings: ${prefixed.map((f) => f.id).join(', ')}`,
  );
}

function explainFinding(f: Finding, style: ReturnType<typeof styler>, width: number): string[] {
  const lines = [`${style.severity(f.severity)}  ${style.bold(f.id)}`];
  lines.push(...wrap(`${f.title}; ${describeSubject(f.subject)}; rule file ${f.ruleFile}`, width, '      ', '    '));
  lines.push(...wrap(f.message, width, '    '));
  const tested = f.evidence.filter((e) => e.operator);
  const cited = f.evidence.filter((e) => !e.operator);
  lines.push('    ' + style.bold(`Conditions that held (${tested.length})`));
  for (const e of tested) lines.push(...evidenceLines(e, width, Infinity));
  if (cited.length > 0) {
    lines.push('    ' + style.bold(`Facts the message and advice cite (${cited.length})`));
    for (const e of cited) lines.push(...evidenceLines(e, width, Infinity));
  }
  return lines;
}

/** The findings below one in its chain, depth first, each once. */
function chainBelow(f: Finding, byId: Map<string, Finding>): { finding: Finding; depth: number }[] {
  const out: { finding: Finding; depth: number }[] = [];
  const seen = new Set<string>([f.id]);
  const walk = (node: Finding, depth: number): void => {
    for (const id of node.because) {
      const next = byId.get(id);
      if (!next || seen.has(id)) continue;
      seen.add(id);
      out.push({ finding: next, depth });
      walk(next, depth + 1);
    }
  };
  walk(f, 0);
  return out;
}
