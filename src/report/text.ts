import type { FactValue } from '../facts/fact.js';
import { severityRank, type Evidence, type Finding } from '../findings/finding.js';
import { reportWords, type ReportWords } from './i18n.js';
import type { Report } from './report.js';

export interface TextOptions {
  width: number;
  color: boolean;
}

/** Source lines shown per evidence item: more for facts a condition tested than for facts a message cites. */
const TESTED_SOURCES = 8;
const CITED_SOURCES = 2;

const OPERATOR_SYMBOLS: Record<string, string> = {
  equal: '==', notEqual: '!=', lessThan: '<', lessThanInclusive: '<=', greaterThan: '>', greaterThanInclusive: '>=',
  in: 'in', notIn: 'not in', contains: 'contains', doesNotContain: 'does not contain',
};

/**
 * The report for a person: the chain first (root causes on top, what each builds on beneath it),
 * then each finding with its message, evidence (fact, value, test, and the /proc lines it came
 * from) and advice, then what could not be evaluated or read.
 */
export function formatText(report: Report, options: TextOptions): string {
  const style = styler(options.color);
  const width = Math.max(60, options.width);
  const w = reportWords(report.lang);
  const out: string[] = [];
  const host = [report.host.hostname, report.host.kernel && `kernel ${report.host.kernel}`].filter(Boolean).join(', ');
  out.push(...wrap(`${style.bold(`procdx ${report.procdx.version}`)} - ${report.source}${host ? ` - ${host}` : ''}`, width, '  ', ''));
  const s = report.summary;
  out.push(...wrap(w.summary(s), width, '  ', ''));
  if (report.run.deadlinePassed) out.push(...wrap(w.deadline(report.run.deadlineMs / 1000, report.run.pidsNotRead), width, '  ', ''));

  const numbering = chainOrder(report.findings);
  if (report.findings.length === 0) {
    out.push('', w.noFindings);
  } else {
    out.push('', style.bold(w.chain));
    out.push(...chainTree(report.findings, numbering, style, width, w));
    for (const finding of [...report.findings].sort((a, b) => numbering.get(a.id)! - numbering.get(b.id)!)) {
      out.push('', ...findingBlock(finding, numbering, style, width, w));
    }
  }
  if (report.notEvaluated.length > 0) {
    out.push('', style.bold(w.notEvaluated));
    // Rules that share a reason (one unreadable file, a static tree) are listed together.
    const byReason = new Map<string, string[]>();
    for (const n of report.notEvaluated) {
      const who = n.subjects ? w.forSubjects(n.subjects.count) : '';
      byReason.set(n.reason, [...(byReason.get(n.reason) ?? []), `${n.rule}${who}`]);
    }
    for (const [reason, rules] of byReason) out.push(...wrap(`- ${rules.join(', ')}: ${reason}`, width, '    ', '  '));
  }
  if (report.unread.length > 0) {
    out.push('', style.bold(w.notRead));
    for (const u of report.unread) out.push(...wrap(`- ${u.count} x ${u.reason}: ${u.sample.join(', ')}`, width, '    ', '  '));
  }
  return `${out.join('\n')}\n`;
}

export type Style = ReturnType<typeof styler>;

export function styler(color: boolean) {
  const sgr = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const severity: Record<string, (t: string) => string> = { critical: sgr('1;31'), warning: sgr('1;33'), info: sgr('1;36') };
  return {
    bold: sgr('1'),
    dim: sgr('2'),
    severity: (s: string) => severity[s]!(s.toUpperCase()),
  };
}

function roots(findings: Finding[]): Finding[] {
  const builtOn = new Set(findings.flatMap((f) => f.because));
  return findings.filter((f) => !builtOn.has(f.id)).sort(byImportance);
}

function byImportance(a: Finding, b: Finding): number {
  return severityRank(a.severity) - severityRank(b.severity) || a.rule.localeCompare(b.rule) || a.id.localeCompare(b.id);
}

/** Numbers findings in the order the chain shows them: depth first from each root. */
export function chainOrder(findings: Finding[]): Map<string, number> {
  const byId = new Map(findings.map((f) => [f.id, f]));
  const order = new Map<string, number>();
  const visit = (f: Finding): void => {
    if (order.has(f.id)) return;
    order.set(f.id, order.size + 1);
    for (const child of children(f, byId)) visit(child);
  };
  for (const root of roots(findings)) visit(root);
  for (const f of [...findings].sort(byImportance)) visit(f); // findings on a cycle-free graph are all reached; this is a guard
  return order;
}

function children(f: Finding, byId: Map<string, Finding>): Finding[] {
  return f.because.map((id) => byId.get(id)).filter((c): c is Finding => c !== undefined).sort(byImportance);
}

/** The chain as a tree, one line per finding (clipped to the width), root causes first. */
export function chainTree(findings: Finding[], numbering: Map<string, number>, style: Style, width: number, w: ReportWords): string[] {
  const byId = new Map(findings.map((f) => [f.id, f]));
  const lines: string[] = [];
  const shown = new Set<string>();
  const walk = (f: Finding, prefix: string, branch: string): void => {
    const again = shown.has(f.id);
    shown.add(f.id);
    const label = `[${numbering.get(f.id)}] ${style.severity(f.severity)} ${f.rule}  ${w.subject(f.subject)}${again ? w.above : ''}`;
    lines.push(clip(`  ${prefix}${branch}${label}`, width + (label.length - strip(label).length)));
    if (again) return;
    const kids = children(f, byId);
    const childPrefix = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1 ? '└─ ' : '├─ '));
  };
  for (const root of roots(findings)) walk(root, '', '');
  return lines;
}

function findingBlock(f: Finding, numbering: Map<string, number>, style: Style, width: number, w: ReportWords): string[] {
  const lines: string[] = [];
  lines.push(`[${numbering.get(f.id)}] ${style.severity(f.severity)}  ${style.bold(f.title)}`);
  lines.push(...wrap(`${w.subject(f.subject)}${w.separator}${w.rule(f.rule, f.ruleFile)}`, width, '      ', '    '));
  lines.push(...wrap(f.message, width, '    '));
  lines.push('    ' + style.bold(w.evidence));
  for (const e of f.evidence) lines.push(...evidenceLines(e, width, undefined, w));
  if (f.because.length > 0) {
    const refs = f.because.map((id) => numbering.get(id) ?? 0).sort((a, b) => a - b);
    lines.push(`    ${style.bold(w.buildsOn)} ${refs.map((n) => `[${n}]`).join(' ')}`);
  }
  if (f.advice.length > 0) {
    lines.push('    ' + style.bold(w.advice));
    for (const a of f.advice) {
      lines.push(...wrap(`- ${a.text}`, width, '      ', '    '));
      if (a.command) {
        const mark = a.safe === false ? w.changesSystem : a.safe === true ? w.readOnly : w.unmarked;
        lines.push(...wrap(`$ ${a.command}`, width, '          ', '        '));
        lines.push(`        ${style.dim(`(${mark})`)}`);
      }
    }
  }
  if (f.references.length > 0) {
    lines.push('    ' + style.bold(w.references));
    for (const r of f.references) lines.push(...wrap(`- ${r.title}: ${r.url}`, width, '        ', '      '));
  }
  return lines;
}

/** One evidence item: the fact, its value and test, then the /proc lines it came from (at most `limit`, or all). */
export function evidenceLines(e: Evidence, width: number, limit?: number, w: ReportWords = reportWords('en')): string[] {
  const unit = e.unit && e.unit !== 'ratio' ? ` ${e.unit}` : '';
  let text: string;
  if (e.unknown !== undefined) {
    text = `${e.fact} unknown: ${e.unknown}`;
  } else if (e.operator) {
    const test = `${OPERATOR_SYMBOLS[e.operator] ?? e.operator} ${show(e.threshold ?? null)}${e.param ? `, param ${e.param}` : ''}`;
    text = `${e.fact} = ${show(e.value)}${unit}  (${e.negated ? `not ${test}` : test})`;
  } else {
    text = `${e.fact} = ${show(e.value)}${unit}`;
  }
  const lines = wrap(`- ${text}`, width, '        ', '      ');
  const shown = limit ?? (e.operator ? TESTED_SOURCES : CITED_SOURCES);
  for (const src of e.sources.slice(0, shown)) {
    const where = src.line === undefined ? src.path : `${src.path}:${src.line}`;
    const text = `${where}${src.excerpt ? `  ${src.excerpt}` : ''}`;
    // A quoted file line is clipped (the file has the rest); a summary is wrapped, all of it matters.
    lines.push(...(src.line === undefined ? wrap(text, width, '          ', '        ') : [clip(`        ${text}`, width)]));
  }
  if (e.sources.length > shown) lines.push(`        ${w.moreSources(e.sources.length - shown)}`);
  return lines;
}

function show(v: FactValue): string {
  if (Array.isArray(v)) return `[${v.map((x) => show(x)).join(', ')}]`;
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}

/**
 * Word-wraps to the width; the first line takes `firstIndent`, the rest `indent`. Chinese and
 * other wide scripts have no spaces between words: a line may break between any two of their
 * characters (never before closing punctuation), and each counts two columns.
 */
export function wrap(text: string, width: number, indent: string, firstIndent = indent): string[] {
  const lines: string[] = [];
  let line = firstIndent;
  let lineHasWord = false;
  for (const word of keepUnits(text.split(/\s+/).filter(Boolean))) {
    breakable(word).forEach((piece, i) => {
      const gap = lineHasWord && i === 0 ? ' ' : '';
      if (lineHasWord && columns(strip(line)) + gap.length + columns(strip(piece)) > width) {
        lines.push(line);
        line = indent;
        lineHasWord = false;
        line += piece;
      } else {
        line += gap + piece;
      }
      lineHasWord = true;
    });
  }
  lines.push(line);
  return lines;
}

/** Units that stay on the line of their number ("12.6 GiB", "250 ms"). */
const UNIT = /^(B|kB|KiB|MiB|GiB|TiB|ms|s|%|pages?|threads?|tasks?|processes|CPUs?|per)(?=$|[,.;:)（），。；：])/;

/** The words with each number joined to the unit after it, so that a line never ends between them. */
function keepUnits(words: string[]): string[] {
  const out: string[] = [];
  for (const word of words) {
    const last = out[out.length - 1];
    if (last !== undefined && /^[0-9][0-9.,]*$/.test(last) && UNIT.test(word)) out[out.length - 1] = `${last} ${word}`;
    else out.push(word);
  }
  return out;
}

/** Opening punctuation that must not end a line. */
const NO_BREAK_AFTER = new Set('（「『《〈“‘'.split(''));

/** Closing punctuation that must not begin a line. */
const NO_BREAK_BEFORE = new Set('，。、；：！？）」』》〉”’…'.split(''));

/** A word cut where a line may break: runs of narrow characters stay whole, each wide character stands alone. */
function breakable(word: string): string[] {
  const pieces: string[] = [];
  let narrow = '';
  let open = '';
  for (const ch of word) {
    if (!isWide(ch)) {
      narrow += open + ch;
      open = '';
      continue;
    }
    if (narrow) pieces.push(narrow);
    narrow = '';
    if (NO_BREAK_AFTER.has(ch)) open += ch;
    else if (NO_BREAK_BEFORE.has(ch) && pieces.length > 0) pieces[pieces.length - 1] += ch;
    else {
      pieces.push(open + ch);
      open = '';
    }
  }
  if (open) narrow += open;
  if (narrow) {
    if (pieces.length > 0 && /^[,.;:!?)]/.test(narrow)) pieces[pieces.length - 1] += narrow;
    else pieces.push(narrow);
  }
  return pieces;
}

/** East Asian wide and fullwidth characters (UAX #11), which take two terminal columns. */
function isWide(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (
    (c >= 0x1100 && c <= 0x115f) ||
    (c >= 0x2e80 && c <= 0xa4cf && c !== 0x303f) ||
    (c >= 0xac00 && c <= 0xd7a3) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xff60) ||
    (c >= 0xffe0 && c <= 0xffe6) ||
    (c >= 0x20000 && c <= 0x3fffd)
  );
}

/** Terminal columns a text takes. */
export function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += isWide(ch) ? 2 : 1;
  return n;
}

function clip(line: string, width: number): string {
  if (columns(line) <= width) return line;
  let out = '';
  for (const ch of line) {
    if (columns(out) + columns(ch) > width - 3) break;
    out += ch;
  }
  return `${out}...`;
}

function strip(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}
