import type { Finding } from '../findings/finding.js';
import { reportWords, type ReportWords } from './i18n.js';
import type { Report } from './report.js';
import { chainOrder, chainTree, evidenceLines, styler } from './text.js';

/** Code blocks are cut at this width: ticket viewers scroll wider blocks, but the evidence stays readable. */
const BLOCK_WIDTH = 100;

/**
 * The report for a ticket, in Markdown that GitHub, GitLab and Jira render alike (CommonMark plus
 * pipe tables; no HTML, no nested blocks): a header line, a summary table, the chain as a tree in a
 * code block, then one section per finding with its message, evidence (fact, value, threshold and
 * the /proc file:line it came from, in a code block), what it builds on, advice (each command in
 * its own code block, marked read-only or changes the system) and references; then what could not
 * be evaluated or read. Text from the host (process names, file lines) is escaped or fenced, so a
 * process named `|*x` cannot break the layout. The words around the findings follow the report's
 * language (src/report/i18n.ts); the table's column names and severities stay English, like ids.
 */
export function formatMarkdown(report: Report): string {
  const w = reportWords(report.lang);
  const out: string[] = [];
  const s = report.summary;
  out.push(`## procdx · ${inline(report.host.hostname ?? '?')} · ${inline(w.summary(s))}`, '');
  const facts = [`procdx ${report.procdx.version}`, `kernel ${inline(report.host.kernel ?? '?')}`, `source ${inline(report.source)}`];
  out.push(facts.join(' · '), '');
  if (report.run.deadlinePassed) out.push(`**${inline(w.deadline(report.run.deadlineMs / 1000, report.run.pidsNotRead))}**`, '');

  const numbering = chainOrder(report.findings);
  const ordered = [...report.findings].sort((a, b) => numbering.get(a.id)! - numbering.get(b.id)!);
  if (ordered.length === 0) {
    out.push(inline(w.noFindings), '');
  } else {
    out.push(`| # | ${w.columns.join(' | ')} |`, '|--:|---|---|---|');
    for (const f of ordered) {
      out.push(`| ${numbering.get(f.id)} | ${f.severity.toUpperCase()} | ${cell(inline(f.title))} (${cell(code(f.rule))}) | ${cell(inline(w.subject(f.subject)))} |`);
    }
    out.push('', `### ${inline(w.chain)}`, '');
    out.push(...block(dedent(chainTree(report.findings, numbering, styler(false), BLOCK_WIDTH, w)), 'text'), '');
    for (const f of ordered) out.push(...findingSection(f, numbering, report.findings, w));
  }

  if (report.notEvaluated.length > 0) {
    out.push(`### ${inline(w.notEvaluated)}`, '');
    const byReason = new Map<string, string[]>();
    for (const n of report.notEvaluated) {
      const who = n.subjects ? inline(w.forSubjects(n.subjects.count)) : '';
      byReason.set(n.reason, [...(byReason.get(n.reason) ?? []), `${code(n.rule)}${who}`]);
    }
    for (const [reason, rules] of byReason) out.push(`- ${rules.join(', ')}: ${inline(reason)}`);
    out.push('');
  }
  if (report.unread.length > 0) {
    out.push(`### ${inline(w.notRead)}`, '');
    for (const u of report.unread) out.push(`- ${u.count} × ${inline(u.reason)}: ${u.sample.map(code).join(', ')}`);
    out.push('');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function findingSection(f: Finding, numbering: Map<string, number>, all: Finding[], w: ReportWords): string[] {
  const out: string[] = [];
  out.push(`### [${numbering.get(f.id)}] ${f.severity.toUpperCase()}: ${inline(f.title)}`, '');
  out.push(`${inline(w.subject(f.subject))} · ${w.rule(code(f.rule), code(f.ruleFile))}`, '');
  out.push(paragraph(f.message), '');
  out.push(`**${w.evidence}**`, '');
  out.push(...block(dedent(f.evidence.flatMap((e) => evidenceLines(e, BLOCK_WIDTH + 6, undefined, w))), 'text'), '');
  if (f.because.length > 0) {
    const byId = new Map(all.map((x) => [x.id, x]));
    const refs = f.because
      .map((id) => byId.get(id))
      .filter((x): x is Finding => x !== undefined)
      .sort((a, b) => numbering.get(a.id)! - numbering.get(b.id)!)
      .map((x) => `[${numbering.get(x.id)}] ${code(x.rule)} (${inline(w.subject(x.subject))})`);
    out.push(`**${w.buildsOn}** ${refs.join(', ')}`, '');
  }
  if (f.advice.length > 0) {
    out.push(`**${w.advice}**`, '');
    for (const a of f.advice) {
      if (!a.command) {
        out.push(`- ${inline(a.text)}`, '');
        continue;
      }
      const mark = a.safe === false ? `**${w.changesSystem}:**` : a.safe === true ? `*${w.readOnly}:*` : `*${w.unmarked}:*`;
      out.push(`- ${inline(a.text)} — ${mark}`, '', ...block(a.command.split('\n'), 'sh'), '');
    }
  }
  if (f.references.length > 0) {
    out.push(`**${w.references}**`, '');
    for (const r of f.references) out.push(`- [${inline(r.title)}](${/[\s()<>]/.test(r.url) ? `<${r.url.replace(/[<>\s]/g, encodeURIComponent)}>` : r.url})`);
    out.push('');
  }
  return out;
}

/**
 * Prose with Markdown's active characters escaped (CommonMark backslash escapes, which GitHub,
 * GitLab and Jira's Markdown honour): emphasis, code, links, HTML, table pipes. Line breaks become
 * spaces: each piece of text here is one paragraph or one cell.
 */
export function inline(text: string): string {
  // An underscore between letters or digits (zabbix_agentd, x86_64) never starts emphasis in CommonMark: left as is.
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[\\`*_[\]<>|~]/g, (c, at: number, all: string) => (c === '_' && /[\p{L}\p{N}]/u.test(all[at - 1] ?? '') && /[\p{L}\p{N}]/u.test(all[at + 1] ?? '') ? c : `\\${c}`));
}

/** A paragraph: inline text that also cannot start a heading, list, quote or thematic break. */
function paragraph(text: string): string {
  const escaped = inline(text);
  const ordered = /^(\d+)([.)])/.exec(escaped);
  if (ordered) return `${ordered[1]}\\${escaped.slice(ordered[1]!.length)}`;
  return /^[#+=-]/.test(escaped) ? `\\${escaped}` : escaped;
}

/** Inline code; backticks inside get a longer fence (CommonMark), line breaks become spaces. */
export function code(text: string): string {
  const flat = text.replace(/\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(' ') || flat.endsWith(' ') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A table cell: pipes escaped even inside code spans (GitHub's and GitLab's table rule). */
function cell(text: string): string {
  return text.replace(/(?<!\\)\|/g, '\\|');
}

/** A fenced code block, its fence longer than any backtick run inside; a line break inside a line (a process name may hold one) becomes a space. */
export function block(given: string[], lang: string): string[] {
  const lines = given.map((l) => l.replace(/[\r\n]/g, ' '));
  const longest = Math.max(2, ...lines.flatMap((l) => l.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return [`${fence}${lang}`, ...lines, fence];
}

function dedent(lines: string[]): string[] {
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(Number.isFinite(indent) ? indent : 0).trimEnd());
}
