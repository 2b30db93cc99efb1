import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { describeSubject, type Finding } from '../../src/findings/finding.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatPrometheus, type RunTiming } from '../../src/report/prometheus.js';
import type { Report } from '../../src/report/report.js';
import { loadExpositionParser, PARSER_MISSING } from '../support/prometheus-text.js';
import { missing, which } from '../support/tools.js';

// A process may name itself anything but NUL (comm is 15 bytes of the program's choosing): every
// character that means something in Markdown or in the exposition format.
const HOSTILE = 'a|b*c_`d"e\\f\ng';
const TIMING: RunTiming = { durationSeconds: 0.5, finishedAtSeconds: 1_700_000_000 };

function report(findings: Finding[], notEvaluated: Report['notEvaluated'] = []): Report {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return {
    procdx: { version: '0.1.0' },
    source: 'proc-root /tmp/x',
    host: { hostname: 'db"1\\', kernel: '6.1.0-18-amd64' },
    summary: { critical: count('critical'), warning: count('warning'), info: count('info'), rules: 3, notEvaluated: notEvaluated.length },
    findings,
    notEvaluated,
    unread: [{ reason: 'EACCES (reading /proc/PID/stack needs root)', count: 2, sample: ['/proc/7/task/7/stack', '/proc/8/task/8/stack'] }],
    run: { deadlineMs: 5000, deadlinePassed: false, pidsNotRead: 0 },
  };
}

const hostileFinding: Finding = {
  id: 'odd-process@pid:7',
  rule: 'odd-process',
  severity: 'critical',
  title: 'A title with | a pipe and *stars*',
  message: '1. looks like a list item, has a | pipe, `backticks` and <b>html</b>',
  subject: { kind: 'process', pid: 7, comm: HOSTILE },
  evidence: [{ fact: 'process.comm', value: HOSTILE, sources: [{ path: '/proc/7/stat', line: 1, excerpt: '7 (a|b```x) S 1' }] }],
  because: [],
  advice: [{ text: 'Look at it', command: 'echo ``` && cat /proc/7/status', safe: true }],
  references: [{ title: 'A [bracketed] title', url: 'https://example.org/a_(b)' }],
  ruleFile: 'rules/site/odd-process.yaml',
};

describe('prometheus format', () => {
  it('escapes label values (backslash, double quote, line feed) so a real parser reads back the exact text', async (t) => {
    const parse = await loadExpositionParser();
    if (!parse) return t.skip(PARSER_MISSING);
    const text = formatPrometheus(report([hostileFinding]), TIMING);
    assert.ok(text.includes('subject="process a|b*c_`d\\"e\\\\f\\ng (7)"'), text);
    const families = parse(text);
    const finding = families.find((f) => f.name === 'procdx_finding')!;
    assert.deepEqual(finding.metrics, [{ value: '1', labels: { rule: 'odd-process', severity: 'critical', subject: describeSubject(hostileFinding.subject) } }]);
    assert.deepEqual(families.find((f) => f.name === 'procdx_info')!.metrics[0]!.labels, { hostname: 'db"1\\', kernel: '6.1.0-18-amd64', version: '0.1.0' });
  });

  it('promtool reads the hostile labels without a complaint', (t) => {
    const promtool = which('promtool');
    if (!promtool) return t.skip(missing('promtool', 'prometheus'));
    const r = spawnSync(promtool, ['check', 'metrics'], { input: formatPrometheus(report([hostileFinding]), TIMING), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(r.stdout + r.stderr, '');
  });

  it('with no findings: every severity counted as 0, no finding series, and still valid', async (t) => {
    const text = formatPrometheus(report([], [{ rule: 'memory-pressure-stalls', reason: 'no PSI' }]), TIMING);
    assert.ok(!/^procdx_finding\{/m.test(text), text);
    const promtool = which('promtool');
    if (promtool) {
      const r = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stdout + r.stderr);
    }
    const parse = await loadExpositionParser();
    if (!parse) return t.skip(PARSER_MISSING);
    const families = new Map(parse(text).map((f) => [f.name, f]));
    assert.deepEqual(families.get('procdx_findings')!.metrics, ['critical', 'warning', 'info'].map((severity) => ({ value: '0', labels: { severity } })));
    assert.deepEqual(families.get('procdx_rule_not_evaluated')!.metrics, [{ value: '1', labels: { rule: 'memory-pressure-stalls' } }]);
    assert.equal(families.get('procdx_files_unread')!.metrics[0]!.value, '2');
    assert.equal(families.get('procdx_last_run_timestamp_seconds')!.metrics[0]!.value, '1700000000.000');
    assert.equal(families.get('procdx_run_duration_seconds')!.metrics[0]!.value, '0.500');
  });
});

describe('markdown format', () => {
  const cmark = which('cmark-gfm');

  /** GitHub's own renderer (cmark-gfm) with the extensions GitHub turns on. */
  function render(markdown: string): string {
    const r = spawnSync(cmark!, ['-e', 'table', '-e', 'strikethrough', '-e', 'autolink'], { input: markdown, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }
  const text = (html: string) => html.replace(/<[^>]+>/g, '').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

  it('host text cannot break the table, start a list, or turn into emphasis, links or HTML', (t) => {
    if (!cmark) return t.skip(missing('cmark-gfm', 'cmark-gfm'));
    const html = render(formatMarkdown(report([hostileFinding])));
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => text(c[1]!)));
    assert.deepEqual(rows, [
      ['#', 'severity', 'finding', 'subject'],
      ['1', 'CRITICAL', 'A title with | a pipe and *stars* (odd-process)', 'process a|b*c_`d"e\\f g (7)'],
    ]);
    // The only markup is procdx's own: section labels, the read-only mark and the reference link.
    const own = html
      .replace(/<strong>(Evidence|Advice|References)<\/strong>/g, '')
      .replace(/<em>read-only:<\/em>/g, '')
      .replace('<a href="https://example.org/a_(b)">', '');
    assert.ok(!/<(em|strong|ol|a|b)[ >]/.test(own), own);
    assert.match(html, /<p>1\. looks like a list item, has a \| pipe, `backticks` and &lt;b&gt;html&lt;\/b&gt;<\/p>/);
    assert.match(html, /<pre><code class="language-sh">echo ``` &amp;&amp; cat \/proc\/7\/status\n<\/code><\/pre>/);
    assert.match(html, /<a href="https:\/\/example.org\/a_\(b\)">A \[bracketed\] title<\/a>/);
    assert.ok(html.includes('7 (a|b```x) S 1'), 'a file line with backticks stays inside its code block');
  });

  it('marks each command read-only or changes the system, and keeps every command in its own code block', () => {
    const md = formatMarkdown(
      report([{ ...hostileFinding, advice: [{ text: 'Read', command: 'cat /proc/loadavg', safe: true }, { text: 'Kill', command: 'kill -9 7', safe: false }, { text: 'Think' }] }]),
    );
    assert.ok(md.includes('- Read — *read-only:*\n\n```sh\ncat /proc/loadavg\n```\n'), md);
    assert.ok(md.includes('- Kill — **changes the system:**\n\n```sh\nkill -9 7\n```\n'), md);
    assert.ok(md.includes('- Think\n'), md);
  });
});

describe('the report\'s language', () => {
  const zh = (): Report => ({ ...report([hostileFinding]), lang: 'zh-CN' });

  it('markdown: the words around the findings follow it; ids, commands and the table stay whole', () => {
    const md = formatMarkdown(zh());
    for (const words of ['**证据**', '**建议**', '*只读:*', '**参考资料**', '### 未读取', '进程 a\\|b\\*c\\_\\`d"e\\\\f g (7)']) assert.ok(md.includes(words), `${words} in\n${md}`);
    assert.ok(md.includes('| # | 严重程度 | 发现 | 对象 |'), 'the table headers follow the language too');
  });

  it('prometheus: labels stay English, so a series keeps its identity whatever the locale', () => {
    const lines = (r: Report) => formatPrometheus(r, TIMING).split('\n').filter((l) => l.startsWith('procdx_finding{'));
    assert.deepEqual(lines(zh()), lines(report([hostileFinding])));
  });
});
