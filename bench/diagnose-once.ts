/**
 * One timed diagnosis in a fresh process, so that its peak RSS is its own: prints one JSON line.
 * Usage: node dist/bench/diagnose-once.js ROOT [STAT_INTERVAL_MS]
 */
import { diagnoseSource, loadRuleBase } from '../src/diagnose.js';
import { DEFAULT_COLLECT } from '../src/snapshot/collect.js';
import { DirSource } from '../src/snapshot/dir-source.js';

const started = performance.now();
const root = process.argv[2] ?? '/proc';
const statIntervalMs = Number(process.argv[3] ?? 0);
const base = loadRuleBase([], '/nonexistent-site-rules');
const d = await diagnoseSource(new DirSource(root), () => base, { ...DEFAULT_COLLECT, statIntervalMs, deadlineMs: 120_000 });
const tasks = d.facts.facts.get('tasks.threads.total');
process.stdout.write(
  `${JSON.stringify({
    tasks: tasks?.ok ? tasks.value : null,
    findings: d.report.findings.length,
    blockedReads: d.report.unread.filter((u) => u.reason.startsWith('blocked')).reduce((n, u) => n + u.count, 0),
    ...d.timings,
    totalMs: performance.now() - started,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
