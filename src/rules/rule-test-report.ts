import { describeSubject, subjectKey, type Finding, type NotEvaluated } from '../findings/finding.js';
import type { ExpectedFinding } from './rule-test-file.js';
import type { CaseResult, FileResult, Mismatch } from './rule-tests.js';

/** Totals of a run; errors are cases whose input could not be read (they count as failed). */
export interface RuleTestTotals {
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
}

export function totals(results: FileResult[]): RuleTestTotals {
  const all = results.flatMap((r) => r.cases);
  const count = (s: CaseResult['status']): number => all.filter((c) => c.status === s).length;
  return { passed: count('ok'), failed: count('fail') + count('error'), skipped: count('skip'), errors: count('error') };
}

/**
 * A test-runner summary: per file, one line per case (ok, FAIL, ERROR, skip); under a failure, per
 * rule, what was expected and what came out (findings with subject, severity and message, and the
 * reasons the rule was not evaluated). Ends with the line `N passed, M failed`.
 */
export function formatRuleTestResults(results: FileResult[]): string {
  const out: string[] = [];
  for (const file of results) {
    out.push(file.file);
    for (const c of file.cases) {
      if (c.status === 'ok') out.push(`  ok    ${c.name}`);
      else if (c.status === 'skip') out.push(`  skip  ${c.name} (${c.reason ?? ''})`);
      else if (c.status === 'error') out.push(`  ERROR ${c.name}`, `        ${c.reason ?? ''}`);
      else {
        out.push(`  FAIL  ${c.name} (${file.file}:${c.line})`);
        for (const m of c.mismatches) out.push(...describeMismatch(m).map((l) => `        ${l}`));
      }
    }
  }
  const t = totals(results);
  out.push('');
  const skipped = (kind: CaseResult['skipped']): number => results.flatMap((r) => r.cases).filter((c) => c.skipped === kind).length;
  if (skipped('tree') > 0) out.push(`${skipped('tree')} skipped: fixture trees are written by the test harness (npm test), not shipped with procdx`);
  if (skipped('disabled') > 0) out.push(`${skipped('disabled')} skipped: they name rules a rule set disabled (enabled: false)`);
  if (t.errors > 0) out.push(`${t.errors} could not run (ERROR above): their input could not be built`);
  out.push(`${t.passed} passed, ${t.failed} failed`);
  return `${out.join('\n')}\n`;
}

function describeMismatch(m: Mismatch): string[] {
  const lines: string[] = [];
  if (m.kind === 'fires') {
    const missing = m.expected.filter((e) => !e.matched).length;
    const extra = m.actual.filter((a) => !a.matched).length;
    const what = [missing > 0 ? `${missing} expected not found` : '', extra > 0 ? `${extra} not expected` : ''].filter(Boolean).join(', ');
    lines.push(`rule ${m.rule}: findings differ (${what})`);
    lines.push('  expected:');
    const extras = m.actual.filter((a) => !a.matched).map((a) => a.finding);
    for (const e of m.expected) {
      lines.push(`    ${e.matched ? 'found  ' : 'MISSING'}  ${describeExpected(e.finding)}`);
      if (e.matched) continue;
      // One unclaimed finding about the same subject is almost surely the one meant: say what differs.
      const near = extras.filter((f) => e.finding.subject === undefined || subjectKey(f.subject) === e.finding.subject);
      if (near.length === 1) for (const d of differences(e.finding, near[0]!)) lines.push(`             ${d}`);
    }
    lines.push(`  actual:${m.actual.length === 0 ? ' no finding' : ''}`);
    for (const a of m.actual) lines.push(`    ${a.matched ? 'matched' : 'EXTRA  '}  ${describeFinding(a.finding)}`);
  } else if (m.kind === 'contradiction') {
    lines.push(`rules ${m.fired.map((f) => f.rule).join(' and ')} contradict each other (contradicts:), but both fired:`);
    for (const f of m.fired) lines.push(`    ${describeFinding(f)}`);
  } else if (m.kind === 'silent') {
    if (m.fired.length > 0) {
      lines.push(`rule ${m.rule}: expected silent, but it fired ${m.fired.length} finding${m.fired.length === 1 ? '' : 's'}:`);
      for (const f of m.fired) lines.push(`    ${describeFinding(f)}`);
    } else {
      lines.push(`rule ${m.rule}: expected silent (evaluated, no finding), but it was not evaluated`);
    }
  } else {
    const expected = m.reasonContains === undefined ? 'expected not evaluated' : `expected not evaluated for a reason containing ${JSON.stringify(m.reasonContains)}`;
    if (m.notEvaluated.length > 0) lines.push(`rule ${m.rule}: ${expected}, but the reasons differ`);
    else if (m.fired.length > 0) lines.push(`rule ${m.rule}: ${expected}, but it was evaluated and fired:`);
    else lines.push(`rule ${m.rule}: ${expected}, but it was evaluated and did not fire`);
    for (const f of m.fired) lines.push(`    ${describeFinding(f)}`);
  }
  for (const n of m.notEvaluated) lines.push(`  not evaluated: ${describeNotEvaluated(n)}`);
  return lines;
}

/** What keeps an expected finding from matching an actual one, field by field. */
function differences(e: ExpectedFinding, f: Finding): string[] {
  const out: string[] = [];
  if (e.severity !== undefined && e.severity !== f.severity) out.push(`severity: expected ${e.severity}, actual ${f.severity}`);
  if (e.message !== undefined && e.message !== f.message) {
    let i = 0;
    while (i < e.message.length && e.message[i] === f.message[i]) i++;
    const from = Math.max(0, i - 20);
    const clip = (text: string): string => `${from > 0 ? '...' : ''}${text.slice(from, i + 30)}${text.length > i + 30 ? '...' : ''}`;
    out.push(`message differs from character ${i + 1}: expected ${JSON.stringify(clip(e.message))}, actual ${JSON.stringify(clip(f.message))}`);
  }
  if (e.messageContains !== undefined && !f.message.includes(e.messageContains)) out.push(`message does not contain ${JSON.stringify(e.messageContains)}`);
  const because = [...f.because].sort();
  if (e.because !== undefined && e.because.join('\n') !== because.join('\n')) out.push(`because: expected [${e.because.join(', ')}], actual [${because.join(', ')}]`);
  return out;
}

function describeExpected(e: ExpectedFinding): string {
  const parts = [e.subject ?? 'any subject'];
  if (e.severity) parts.push(e.severity);
  if (e.message !== undefined) parts.push(`message ${JSON.stringify(e.message)}`);
  if (e.messageContains !== undefined) parts.push(`message containing ${JSON.stringify(e.messageContains)}`);
  if (e.because) parts.push(`because [${e.because.join(', ')}]`);
  return parts.join(', ');
}

function describeFinding(f: Finding): string {
  const because = f.because.length > 0 ? `, because [${[...f.because].sort().join(', ')}]` : '';
  return `${subjectKey(f.subject)}, ${f.severity}, message ${JSON.stringify(f.message)}${because}`;
}

function describeNotEvaluated(n: NotEvaluated): string {
  if (!n.subjects) return n.reason;
  const sample = n.subjects.sample.map(describeSubject).join(', ');
  return `${n.reason} (${n.subjects.count} subject${n.subjects.count === 1 ? '' : 's'}: ${sample}${n.subjects.count > n.subjects.sample.length ? ', ...' : ''})`;
}
